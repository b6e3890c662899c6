// kwsd's command line:
//   kwsd [--config FILE] [--device NAME|none] [--model PATH] [--verbose]
//   kwsd --list-devices
//   kwsd --check-config [--config FILE]
// Without --config the defaults apply (device "default", the shipped model,
// shipped_files.h). The default run, `kwsd` with neither --config nor
// --device, on a machine without a capture device says so in one log line,
// replays the bundled sample clip through the same daemon path, prints the
// detections as JSON lines and exits 0.
// Runs in the foreground with human-readable log lines on stderr; under
// systemd (NOTIFY_SOCKET set) it notifies READY=1 and pings the watchdog.
// SIGTERM/SIGINT stop cleanly, SIGHUP reloads the config file.
// With `wyoming: {enabled: true}` kwsd also serves the Wyoming wake-word
// protocol (wyoming_endpoint.h) with the same model and keyword settings;
// with audio.device "none" (or --device none) it serves only that, without
// opening any capture device.
#pragma once

#include <functional>
#include <memory>

#include "config/result.h"
#include "daemon/service/detector.h"
#include "daemon/service/service_settings.h"

namespace kws::daemon {

// Makes the detector for the configured model; a failure names the model.
using DetectorFactory =
    std::function<Result<std::unique_ptr<Detector>>(const ServiceSettings& settings)>;

// The production detector (ModelDetector::load).
Result<std::unique_ptr<Detector>> make_model_detector(const ServiceSettings& settings);

int service_main(int argc, char** argv);

// Same, with another detector (tests, or a build with a different model runtime).
int service_main(int argc, char** argv, const DetectorFactory& make_detector);

}  // namespace kws::daemon

// What capture devices ALSA knows about: for --list-devices and for the
// start-up error when the configured device does not exist.
#pragma once

#include <string>
#include <vector>

namespace kws::daemon {

struct CaptureDevice {
  std::string name;         // what goes into the config, e.g. "plughw:CARD=U0x46d,DEV=0"
  std::string description;  // one line, from the driver or the config
};

// PCM names from snd_device_name_hint that can capture (IOID absent or
// "Input"), then one "hw:CARD=...,DEV=..." per card device that has a capture
// substream. Empty when ALSA knows none. Never throws.
std::vector<CaptureDevice> list_capture_devices();

// "  name — description" lines, or a note that no device was found.
std::string format_device_list(const std::vector<CaptureDevice>& devices);

}  // namespace kws::daemon

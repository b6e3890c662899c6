#include "daemon/capture/capture_devices.h"

#include <alsa/asoundlib.h>

#include <cstdlib>

namespace kws::daemon {
namespace {

std::string take_hint(void* hint, const char* id) {
  char* value = snd_device_name_get_hint(hint, id);
  if (value == nullptr) return {};
  std::string out(value);
  std::free(value);
  return out;
}

std::string first_line(const std::string& text) {
  size_t end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end) + " (" + text.substr(end + 1) + ")";
}

void add_hinted_devices(std::vector<CaptureDevice>* out) {
  void** hints = nullptr;
  if (snd_device_name_hint(-1, "pcm", &hints) < 0 || hints == nullptr) return;
  for (void** h = hints; *h != nullptr; ++h) {
    std::string ioid = take_hint(*h, "IOID");
    if (!ioid.empty() && ioid != "Input") continue;
    std::string name = take_hint(*h, "NAME");
    if (name.empty() || name == "null") continue;
    out->push_back({name, first_line(take_hint(*h, "DESC"))});
  }
  snd_device_name_free_hint(hints);
}

void add_card_devices(std::vector<CaptureDevice>* out) {
  int card = -1;
  while (snd_card_next(&card) == 0 && card >= 0) {
    std::string ctl_name = "hw:" + std::to_string(card);
    snd_ctl_t* ctl = nullptr;
    if (snd_ctl_open(&ctl, ctl_name.c_str(), 0) < 0) continue;
    snd_ctl_card_info_t* info = nullptr;
    snd_ctl_card_info_alloca(&info);
    std::string card_id = std::to_string(card);
    std::string card_name;
    if (snd_ctl_card_info(ctl, info) == 0) {
      card_id = snd_ctl_card_info_get_id(info);
      card_name = snd_ctl_card_info_get_name(info);
    }
    int device = -1;
    while (snd_ctl_pcm_next_device(ctl, &device) == 0 && device >= 0) {
      snd_pcm_info_t* pcm_info = nullptr;
      snd_pcm_info_alloca(&pcm_info);
      snd_pcm_info_set_device(pcm_info, static_cast<unsigned int>(device));
      snd_pcm_info_set_subdevice(pcm_info, 0);
      snd_pcm_info_set_stream(pcm_info, SND_PCM_STREAM_CAPTURE);
      if (snd_ctl_pcm_info(ctl, pcm_info) < 0) continue;  // no capture here
      std::string name = "hw:CARD=" + card_id + ",DEV=" + std::to_string(device);
      out->push_back({name, card_name + ": " + snd_pcm_info_get_name(pcm_info)});
    }
    snd_ctl_close(ctl);
  }
}

}  // namespace

std::vector<CaptureDevice> list_capture_devices() {
  std::vector<CaptureDevice> devices;
  add_hinted_devices(&devices);
  add_card_devices(&devices);
  return devices;
}

std::string format_device_list(const std::vector<CaptureDevice>& devices) {
  if (devices.empty()) return "  (ALSA reports no capture devices)\n";
  std::string out;
  for (const CaptureDevice& d : devices) {
    out += "  " + d.name;
    if (!d.description.empty()) out += "  -  " + d.description;
    out += "\n";
  }
  return out;
}

}  // namespace kws::daemon

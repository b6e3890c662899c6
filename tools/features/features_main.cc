// kws-features: the training contract. Runs the runtime's front end over a
// list of audio files and writes DIR/features.npy and DIR/index.tsv.
//
//   kws-features (--model M.tflite | --frontend F.yaml) [--set key=value ...]
//                --list FILES.txt|- --out-dir DIR [--float] [--jobs N]
//   kws-features --embeddings --backbone DIR --list FILES.txt|- --out-dir DIR [--jobs N]
//
// --embeddings: openWakeWord backbone embeddings (DIR/embedding_model.tflite
// through pipeline/'s OwwFrontend, as kwsd streams it): float32 [steps, 96],
// one row per 80 ms step; index.tsv's frame columns count steps.
//
// features.npy: int8 [total_frames, feature_dim] (float32 pre-quantisation
// values with --float), files concatenated in list order.
// index.tsv: header, then per listed file: path, start_frame, num_frames,
// num_samples, status ("ok" or "error:<message>"; failed files have 0 frames
// and are never skipped). Exit 0 if all files were ok, 1 if some failed, 2
// for a usage, model or output error.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/sidecar.h"
#include "daemon/guarded_main.h"
#include "daemon/log.h"
#include "nn/tflite_model.h"
#include "tools/features/embedding_extractor.h"
#include "tools/features/feature_extractor.h"
#include "tools/features/npy_writer.h"

namespace {

using kws::Result;
using kws::features::EmbeddingExtractor;
using kws::features::FeatureExtractor;
using kws::features::Features;
using kws::features::NpyWriter;

constexpr const char* kUsage =
    "usage: kws-features (--model M.tflite | --frontend F.yaml) [--set key=value ...]\n"
    "                    --list FILES.txt|- --out-dir DIR [--float] [--jobs N]\n"
    "       kws-features --embeddings --backbone DIR --list FILES.txt|- --out-dir DIR [--jobs N]\n"
    "  --model     take the front end from the model's kwsd metadata or its sidecar\n"
    "  --frontend  take it from a YAML file with the sidecar keys\n"
    "  --set       override one key (e.g. --set mel_bins=32), repeatable\n"
    "  --list      text file with one audio path per line ('-' = stdin; blank lines and\n"
    "              lines starting with # are ignored)\n"
    "  --float     write float32 values before quantisation instead of int8\n"
    "  --jobs      worker threads (default: hardware threads)\n"
    "  --embeddings  openWakeWord backbone embeddings (float32, 96 per 80 ms step) instead\n"
    "  --backbone  folder with embedding_model.tflite (for --embeddings)\n";

struct Args {
  std::string model;
  std::string frontend;
  std::vector<std::string> sets;
  std::string list;
  std::string out_dir;
  bool want_float = false;
  bool embeddings = false;
  std::string backbone;
  unsigned jobs = 0;
};

std::string parse_args(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* out) -> bool {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--model") {
      if (!value(&a->model)) return "--model needs a value";
    } else if (arg == "--frontend") {
      if (!value(&a->frontend)) return "--frontend needs a value";
    } else if (arg == "--set") {
      if (!value(&v)) return "--set needs key=value";
      a->sets.push_back(v);
    } else if (arg == "--list") {
      if (!value(&a->list)) return "--list needs a value";
    } else if (arg == "--out-dir") {
      if (!value(&a->out_dir)) return "--out-dir needs a value";
    } else if (arg == "--float") {
      a->want_float = true;
    } else if (arg == "--embeddings") {
      a->embeddings = true;
    } else if (arg == "--backbone") {
      if (!value(&a->backbone)) return "--backbone needs a value";
    } else if (arg == "--jobs") {
      if (!value(&v)) return "--jobs needs a value";
      char* end = nullptr;
      const unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n == 0 || n > 256)
        return "--jobs: '" + v + "' not in 1..256";
      a->jobs = static_cast<unsigned>(n);
    } else if (arg == "-h" || arg == "--help") {
      return "help";
    } else {
      return "unexpected argument '" + arg + "'";
    }
  }
  if (a->embeddings) {
    if (!a->model.empty() || !a->frontend.empty())
      return "--embeddings takes --backbone, not --model/--frontend";
    if (a->backbone.empty()) return "--embeddings needs --backbone DIR";
    a->want_float = true;
  } else if (!a->backbone.empty()) {
    return "--backbone is only for --embeddings";
  } else if (a->model.empty() == a->frontend.empty()) {
    return "give exactly one of --model and --frontend";
  }
  if (a->list.empty()) return "--list is required";
  if (a->out_dir.empty()) return "--out-dir is required";
  return {};
}

Result<kws::ModelInfo> model_description(const Args& a) {
  using R = Result<kws::ModelInfo>;
  if (!a.frontend.empty()) return kws::config::load_frontend_yaml(a.frontend, a.sets);
  std::ifstream in(a.model, std::ios::binary);
  if (!in) return R::failure(a.model + ": cannot open model file");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  kws::nn::TfliteModel model;
  if (kws::Status s = model.parse(bytes.data(), bytes.size()); !s.ok()) {
    return R::failure(a.model + ": " + s.message());
  }
  Result<kws::config::ResolvedModelInfo> r = kws::config::resolve_model_info(a.model, model);
  if (!r) return R::failure(r.error());
  return kws::config::apply_overrides(r->info, a.sets);
}

std::vector<std::string> read_list(std::istream& in) {
  std::vector<std::string> paths;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    paths.push_back(line);
  }
  return paths;
}

// One line of index.tsv: tabs and newlines in a path or message would break
// the columns, so they become spaces.
std::string tsv_field(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return s;
}

}  // namespace

static int tool_main(int argc, char** argv) {
  Args args;
  if (std::string err = parse_args(argc, argv, &args); !err.empty()) {
    if (err == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "kws-features: %s\n%s", err.c_str(), kUsage);
    return 2;
  }
  spdlog::set_pattern("kws-features: %^%l%$: %v");

  kws::FrontendConfig fe;
  uint32_t dim = EmbeddingExtractor::kDim;
  std::vector<char> backbone_bytes;
  kws::nn::TfliteModel backbone;
  if (args.embeddings) {
    const std::string path = args.backbone + "/embedding_model.tflite";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      kws::log::error("{}: cannot open (the openWakeWord backbone)", path);
      return 2;
    }
    backbone_bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (kws::Status s = backbone.parse(backbone_bytes.data(), backbone_bytes.size()); !s.ok()) {
      kws::log::error("{}: {}", path, s.message());
      return 2;
    }
    // A model that is not the backbone (or float kernels missing) fails here, before any file.
    if (auto probe = EmbeddingExtractor::create(backbone); !probe) {
      kws::log::error("{}: {}", path, probe.error());
      return 2;
    }
  } else {
    Result<kws::ModelInfo> info = model_description(args);
    if (!info) {
      kws::log::error("{}", info.error());
      return 2;
    }
    fe = info->frontend;
    dim = fe.feature_dim();
  }

  std::vector<std::string> paths;
  if (args.list == "-") {
    paths = read_list(std::cin);
  } else {
    std::ifstream list(args.list);
    if (!list) {
      kws::log::error("{}: cannot read file list", args.list);
      return 2;
    }
    paths = read_list(list);
  }

  std::error_code ec;
  std::filesystem::create_directories(args.out_dir, ec);
  if (ec) {
    kws::log::error("{}: cannot create ({})", args.out_dir, ec.message());
    return 2;
  }
  NpyWriter npy;
  if (std::string err =
          npy.open(args.out_dir + "/features.npy",
                   args.want_float ? NpyWriter::DType::kFloat32 : NpyWriter::DType::kInt8, dim);
      !err.empty()) {
    kws::log::error("{}", err);
    return 2;
  }
  std::ofstream index(args.out_dir + "/index.tsv");
  if (!index) {
    kws::log::error("{}/index.tsv: cannot create", args.out_dir);
    return 2;
  }
  index << "path\tstart_frame\tnum_frames\tnum_samples\tstatus\n";

  // Workers take files in list order; the main thread writes results in list
  // order as soon as each next one is ready, so output is deterministic.
  const unsigned jobs = std::max(
      1u, std::min<unsigned>(args.jobs != 0 ? args.jobs : std::thread::hardware_concurrency(),
                             static_cast<unsigned>(paths.size())));
  std::vector<std::optional<Result<Features>>> results(paths.size());
  std::mutex mu;
  std::condition_variable ready;
  std::atomic<size_t> next{0};
  std::string setup_error;
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < jobs && !paths.empty(); ++w) {
    workers.emplace_back([&] {
      if (args.embeddings) {
        Result<std::unique_ptr<EmbeddingExtractor>> ex = EmbeddingExtractor::create(backbone);
        for (size_t i = next++; i < paths.size(); i = next++) {
          Result<Features> r = Result<Features>::failure("");
          if (!ex) {
            r = Result<Features>::failure("backbone: " + ex.error());
          } else if (Result<kws::features::Embeddings> e = (*ex)->compute_file(paths[i]); !e) {
            r = Result<Features>::failure(e.error());
          } else {
            Features f;
            f.num_frames = e->num_steps;
            f.feature_dim = EmbeddingExtractor::kDim;
            f.num_samples = e->num_samples;
            f.values = std::move(e->values);
            r = Result<Features>::success(std::move(f));
          }
          std::lock_guard<std::mutex> lock(mu);
          results[i] = std::move(r);
          ready.notify_all();
        }
        return;
      }
      Result<std::unique_ptr<FeatureExtractor>> fx = FeatureExtractor::create(fe);
      for (size_t i = next++; i < paths.size(); i = next++) {
        Result<Features> r = fx ? (*fx)->compute_file(paths[i], args.want_float)
                                : Result<Features>::failure("front end: " + fx.error());
        std::lock_guard<std::mutex> lock(mu);
        results[i] = std::move(r);
        ready.notify_all();
      }
    });
  }

  size_t failed = 0;
  uint64_t frame = 0;
  std::string write_error;
  for (size_t i = 0; i < paths.size(); ++i) {
    Result<Features> r = Result<Features>::failure("");
    {
      std::unique_lock<std::mutex> lock(mu);
      ready.wait(lock, [&] { return results[i].has_value(); });
      r = std::move(*results[i]);
      results[i].reset();
    }
    index << tsv_field(paths[i]) << '\t' << frame << '\t';
    if (!r) {
      ++failed;
      kws::log::warn("{}", r.error());
      index << "0\t0\terror:" << tsv_field(r.error()) << '\n';
      continue;
    }
    const Features& f = *r;
    if (write_error.empty()) {
      write_error = args.want_float ? npy.append(f.values.data(), f.num_frames)
                                    : npy.append(f.q.data(), f.num_frames);
    }
    index << f.num_frames << '\t' << f.num_samples << "\tok\n";
    frame += f.num_frames;
  }
  for (std::thread& t : workers) t.join();
  if (write_error.empty()) write_error = npy.finish();
  index.flush();
  if (!index) write_error = args.out_dir + "/index.tsv: write failed";
  if (!write_error.empty()) {
    kws::log::error("{}", write_error);
    return 2;
  }
  std::fprintf(stderr, "kws-features: %zu files (%zu failed), %llu frames x %u -> %s\n",
               paths.size(), failed, static_cast<unsigned long long>(frame), dim,
               args.out_dir.c_str());
  return failed == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  return kws::guarded_main("kws-features", [&] { return tool_main(argc, argv); });
}

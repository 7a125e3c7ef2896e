// A stand-in for libFuzzer's main() when the project is built with g++: runs every file of a
// seed corpus through LLVMFuzzerTestOneInput, then random mutations of those seeds (byte
// flips, insertions, deletions, splices, truncations) until a time or iteration budget is
// spent. Deterministic for a given --seed, so a failure reproduces. Not coverage-guided:
// build with clang and -fsanitize=fuzzer (AIRUNWAY_LIBFUZZER=ON) for deep runs.
//
//   fuzz_target CORPUS_DIR [--seconds N] [--iterations N] [--seed N]
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::string Mutate(const std::vector<std::string>& seeds, std::mt19937_64& rng) {
  std::string input = seeds[rng() % seeds.size()];
  int rounds = 1 + static_cast<int>(rng() % 8);
  for (int r = 0; r < rounds; ++r) {
    switch (rng() % 6) {
      case 0:  // flip a byte
        if (!input.empty()) input[rng() % input.size()] = static_cast<char>(rng());
        break;
      case 1: {  // insert interesting bytes
        static constexpr char kInteresting[] = {'{', '}', '[', ']', '"', ':', ',', '\\', '\n', '\0', '-', '9', 'a', 'e'};
        input.insert(input.empty() ? 0 : rng() % input.size(),
                     std::string(1 + rng() % 4, kInteresting[rng() % sizeof kInteresting]));
        break;
      }
      case 2:  // delete a range
        if (input.size() > 1) {
          std::size_t at = rng() % input.size();
          input.erase(at, 1 + rng() % std::min<std::size_t>(16, input.size() - at));
        }
        break;
      case 3:  // splice with another seed
        if (!input.empty()) {
          const std::string& other = seeds[rng() % seeds.size()];
          if (!other.empty()) input = input.substr(0, rng() % input.size()) + other.substr(rng() % other.size());
        }
        break;
      case 4:  // truncate
        if (!input.empty()) input.resize(rng() % input.size());
        break;
      default:  // duplicate a chunk (deep nesting, long strings)
        if (!input.empty()) {
          std::size_t at = rng() % input.size();
          std::string chunk = input.substr(at, 1 + rng() % 32);
          for (int i = 0; i < 1 + static_cast<int>(rng() % 64); ++i) input.insert(at, chunk);
        }
    }
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " CORPUS_DIR [--seconds N] [--iterations N] [--seed N]\n";
    return 2;
  }
  double seconds = 10;
  std::uint64_t iterations = UINT64_MAX;
  std::uint64_t seed = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
    if (flag == "--iterations") iterations = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    seeds.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  if (seeds.empty()) seeds.emplace_back();
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  std::mt19937_64 rng(seed);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::uint64_t runs = 0;
  while (runs < iterations && std::chrono::steady_clock::now() < deadline) {
    std::string input = Mutate(seeds, rng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
    ++runs;
  }
  std::cout << "fuzz: " << seeds.size() << " seeds, " << runs << " mutated inputs, no crash\n";
  return 0;
}

#pragma once
/// A latency histogram for the bench tools: constant memory, however many
/// samples, so a run can keep one per window and one per second.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace chatlab::bench {

/// Nanoseconds on steady_clock: what a latency is measured in.
using Nanos = std::int64_t;

/// Latencies in 32 buckets per octave of nanoseconds: a quantile is the upper
/// edge of its bucket, at most 2.2% high. Small enough to keep one a second.
class Latency {
 public:
  /// Counts one latency; below 1 ns counts as 1 ns (log2 needs a positive).
  void add(Nanos ns) {
    const double v = std::max(static_cast<double>(ns), 1.0);
    const auto bucket = static_cast<std::size_t>(std::log2(v) * per_octave);
    ++counts_[std::min(bucket, counts_.size() - 1)];
    ++count_;
    max_ = std::max(max_, ns);
  }

  /// The `p` quantile (0 to 1) in milliseconds, never above the largest seen; 0 when empty.
  double quantile_ms(double p) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(p * static_cast<double>(count_ - 1)) + 1;
    std::uint64_t seen = 0;
    std::size_t i = 0;
    while (i + 1 < counts_.size() && (seen += counts_[i]) < rank) ++i;
    const double edge = std::exp2(static_cast<double>(i + 1) / per_octave) / 1e6;
    return std::min(edge, max_ms());
  }

  /// The largest latency seen, exact, in milliseconds.
  double max_ms() const { return static_cast<double>(max_) / 1e6; }

  /// How many latencies were added.
  std::uint64_t count() const { return count_; }

  /// {"count":N,"p50":…,"p99":…,"p999":…,"max":…}, in milliseconds.
  std::string json() const {
    char text[160];
    std::snprintf(text, sizeof text,
                  R"({"count":%llu,"p50":%.3f,"p99":%.3f,"p999":%.3f,"max":%.3f})",
                  static_cast<unsigned long long>(count_), quantile_ms(0.5), quantile_ms(0.99),
                  quantile_ms(0.999), max_ms());
    return text;
  }

 private:
  static constexpr int per_octave = 32;                  ///< 2^(1/32): 2.2% a bucket
  std::array<std::uint32_t, 37 * per_octave> counts_{};  ///< up to 2^37 ns, over two minutes
  std::uint64_t count_ = 0;                              ///< all the buckets together
  Nanos max_ = 0;                                        ///< caps a quantile at what was seen
};

}  // namespace chatlab::bench

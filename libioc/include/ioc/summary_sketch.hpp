#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace ioc {

/// A mergeable quantile sketch with relative-error guarantees (the DDSketch construction:
/// logarithmic buckets of ratio gamma = (1+a)/(1-a)). Any quantile it returns lies within
/// `relative_error()` of a true value at that rank. Merging two sketches gives exactly the sketch
/// of the combined data, so summaries merge up the federation tree without loss.
/// Not thread-safe; copyable.
class SummarySketch {
 public:
  static constexpr double kDefaultRelativeError = 0.01;
  /// Bucket count above which the lowest buckets collapse (bounds memory at ~kMaxBuckets entries).
  static constexpr std::size_t kMaxBuckets = 2048;

  explicit SummarySketch(double relative_error = kDefaultRelativeError);

  void add(double value);
  void merge(const SummarySketch& other);

  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }
  double min() const { return min_; }
  double max() const { return max_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0; }
  /// The q-quantile (0 <= q <= 1) by nearest rank: within relative_error() of the smallest
  /// reading that at least q of the readings are at or below, for any number of readings; the
  /// exact min or max when that is the first or last reading; never outside [min, max]. 0 for an
  /// empty sketch.
  double quantile(double q) const;
  double relative_error() const { return alpha_; }

  /// The most readings a decoded sketch may hold: a minute bucket, the unit that travels, holds
  /// far fewer; a count beyond it is a forgery or corruption.
  static constexpr std::uint64_t kMaxDecodedCount = std::uint64_t{1} << 32;

  /// Compact, portable binary form; `decode` throws Error(kBadRequest) on malformed input: bad
  /// framing, a count above kMaxDecodedCount, bucket counts that do not add up to it, or a sum,
  /// min and max that are not finite or cannot belong to those readings.
  std::string encode() const;
  static SummarySketch decode(std::string_view bytes);

 private:
  int index_of(double magnitude) const;
  double value_of(int index) const;
  void collapse(std::map<int, std::uint64_t>& bins);
  void check_values(bool has_positive, bool has_negative) const;

  double alpha_;
  double gamma_;
  double log_gamma_;
  std::map<int, std::uint64_t> positive_;
  std::map<int, std::uint64_t> negative_;
  std::uint64_t zeros_ = 0;
  std::uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace ioc

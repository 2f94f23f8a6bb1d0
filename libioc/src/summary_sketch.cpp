#include "ioc/summary_sketch.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "ioc/error.hpp"

namespace ioc {
namespace {

// Values closer to zero than this count as zero; it keeps bucket indexes in int range.
constexpr double kMinIndexable = 1e-9;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::uint64_t get_varint(std::string_view& in) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) throw Error(ErrorCode::kBadRequest, "truncated sketch", "sketch");
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
  }
  throw Error(ErrorCode::kBadRequest, "bad varint in sketch", "sketch");
}

void put_double(std::string& out, double d) {
  char b[8];
  std::memcpy(b, &d, 8);
  out.append(b, 8);
}

double get_double(std::string_view& in) {
  if (in.size() < 8) throw Error(ErrorCode::kBadRequest, "truncated sketch", "sketch");
  double d;
  std::memcpy(&d, in.data(), 8);
  in.remove_prefix(8);
  return d;
}

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

void put_bins(std::string& out, const std::map<int, std::uint64_t>& bins) {
  put_varint(out, bins.size());
  int prev = 0;
  for (const auto& [index, n] : bins) {
    put_varint(out, zigzag(static_cast<std::int64_t>(index) - prev));
    put_varint(out, n);
    prev = index;
  }
}

std::uint64_t get_bins(std::string_view& in, std::map<int, std::uint64_t>& bins) {
  const auto size = get_varint(in);
  if (size > SummarySketch::kMaxBuckets * 2)
    throw Error(ErrorCode::kBadRequest, "too many sketch buckets", "sketch");
  std::int64_t index = 0;
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < size; ++i) {
    const std::int64_t step = unzigzag(get_varint(in));
    if (step < INT32_MIN || step > INT32_MAX)  // also keeps the sum below from overflowing
      throw Error(ErrorCode::kBadRequest, "sketch index out of range", "sketch");
    index += step;
    if (index < INT32_MIN || index > INT32_MAX)
      throw Error(ErrorCode::kBadRequest, "sketch index out of range", "sketch");
    const auto n = get_varint(in);
    if (n == 0 || n > SummarySketch::kMaxDecodedCount - total)
      throw Error(ErrorCode::kBadRequest, "sketch bucket counts out of range", "sketch");
    bins[static_cast<int>(index)] += n;
    total += n;
  }
  return total;
}

}  // namespace

SummarySketch::SummarySketch(double relative_error)
    : alpha_(relative_error),
      gamma_((1 + relative_error) / (1 - relative_error)),
      log_gamma_(std::log(gamma_)) {}

int SummarySketch::index_of(double magnitude) const {
  return static_cast<int>(std::ceil(std::log(magnitude) / log_gamma_));
}

double SummarySketch::value_of(int index) const {
  // The midpoint (in relative terms) of bucket (gamma^(i-1), gamma^i].
  return 2 * std::pow(gamma_, index) / (gamma_ + 1);
}

void SummarySketch::collapse(std::map<int, std::uint64_t>& bins) {
  while (bins.size() > kMaxBuckets) {
    auto lowest = bins.begin();
    auto next = std::next(lowest);
    next->second += lowest->second;
    bins.erase(lowest);
  }
}

void SummarySketch::add(double value) {
  if (!std::isfinite(value)) return;
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  sum_ += value;
  const double magnitude = std::fabs(value);
  if (magnitude < kMinIndexable) {
    ++zeros_;
    return;
  }
  auto& bins = value > 0 ? positive_ : negative_;
  ++bins[index_of(magnitude)];
  if (bins.size() > kMaxBuckets) collapse(bins);
}

void SummarySketch::merge(const SummarySketch& other) {
  if (other.count_ == 0) return;
  if (other.alpha_ != alpha_)
    throw Error(ErrorCode::kBadRequest, "cannot merge sketches of different relative error",
                "sketch");
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
  zeros_ += other.zeros_;
  for (const auto& [i, n] : other.positive_) positive_[i] += n;
  for (const auto& [i, n] : other.negative_) negative_[i] += n;
  collapse(positive_);
  collapse(negative_);
}

double SummarySketch::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Nearest rank: the smallest reading with at least q of them at or below it, 0-based. The
  // epsilon keeps 0.9 x 10 (9.000000000000002 in doubles) at rank 9, not 10.
  const double ceiling = std::ceil(q * static_cast<double>(count_) - 1e-9);
  const auto rank = static_cast<std::uint64_t>(std::max(ceiling, 1.0)) - 1;
  // The first and last readings are known exactly.
  if (rank == 0) return min_;
  if (rank >= count_ - 1) return max_;
  std::uint64_t seen = 0;
  double estimate = max_;
  bool found = false;
  // Negative values: largest magnitude first.
  for (auto it = negative_.rbegin(); it != negative_.rend() && !found; ++it) {
    seen += it->second;
    if (seen > rank) {
      estimate = -value_of(it->first);
      found = true;
    }
  }
  if (!found) {
    seen += zeros_;
    if (seen > rank) {
      estimate = 0;
      found = true;
    }
  }
  for (auto it = positive_.begin(); it != positive_.end() && !found; ++it) {
    seen += it->second;
    if (seen > rank) {
      estimate = value_of(it->first);
      found = true;
    }
  }
  return std::clamp(estimate, min_, max_);
}

std::string SummarySketch::encode() const {
  std::string out;
  out.push_back(1);  // format version
  put_double(out, alpha_);
  put_varint(out, count_);
  put_double(out, sum_);
  put_double(out, min_);
  put_double(out, max_);
  put_varint(out, zeros_);
  put_bins(out, positive_);
  put_bins(out, negative_);
  return out;
}

SummarySketch SummarySketch::decode(std::string_view in) {
  if (in.empty() || in.front() != 1)
    throw Error(ErrorCode::kBadRequest, "unknown sketch format", "sketch");
  in.remove_prefix(1);
  const double alpha = get_double(in);
  if (!(alpha > 0 && alpha < 1))
    throw Error(ErrorCode::kBadRequest, "bad sketch relative error", "sketch");
  SummarySketch s(alpha);
  s.count_ = get_varint(in);
  s.sum_ = get_double(in);
  s.min_ = get_double(in);
  s.max_ = get_double(in);
  s.zeros_ = get_varint(in);
  if (s.count_ > kMaxDecodedCount || s.zeros_ > s.count_)
    throw Error(ErrorCode::kBadRequest, "sketch count out of range", "sketch");
  const auto positive = get_bins(in, s.positive_), negative = get_bins(in, s.negative_);
  if (!in.empty() || positive + negative + s.zeros_ != s.count_)
    throw Error(ErrorCode::kBadRequest, "inconsistent sketch: bucket counts", "sketch");
  s.check_values(positive > 0, negative > 0);
  return s;
}

void SummarySketch::check_values(bool has_positive, bool has_negative) const {
  const auto bad = [](const char* what) {
    throw Error(ErrorCode::kBadRequest, std::string("inconsistent sketch: ") + what, "sketch");
  };
  if (!std::isfinite(sum_) || !std::isfinite(min_) || !std::isfinite(max_))
    bad("sum, min and max must be finite");
  if (count_ == 0) {
    if (sum_ != 0 || min_ != 0 || max_ != 0) bad("an empty sketch has no values");
    return;
  }
  if (min_ > max_) bad("min above max");
  if ((has_negative && min_ >= 0) || (has_positive && max_ <= 0))
    bad("min and max disagree with the buckets");
  if (zeros_ > 0 && (min_ > kMinIndexable || max_ < -kMinIndexable))
    bad("min and max disagree with the zero bucket");
  // The sum of count values within [min, max], with room for the rounding of adding them up.
  const double n = static_cast<double>(count_);
  const double slack = 1e-9 * n * std::max(std::fabs(min_), std::fabs(max_)) + 1e-9;
  if (sum_ < n * min_ - slack || sum_ > n * max_ + slack) bad("sum outside count times min..max");
}

}  // namespace ioc

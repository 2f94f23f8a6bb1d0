#include "ioc/summary_sketch.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "ioc/error.hpp"
#include "sketch_bytes.hpp"

using namespace ioc;

namespace {
// Nearest rank: the smallest value with at least q of the values at or below it.
double exact_quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto rank =
      static_cast<std::size_t>(std::max(1.0, std::ceil(q * static_cast<double>(v.size()) - 1e-9)));
  return v[rank - 1];
}
}  // namespace

TEST_CASE("two readings give the quantiles a reader expects", "[sketch]") {
  SummarySketch s;
  s.add(1.95);
  s.add(2.31);
  CHECK(s.quantile(0.5) == 1.95);
  CHECK(s.quantile(0.9) == 2.31);
  CHECK(s.quantile(0.99) == 2.31);
}

TEST_CASE("quantiles of 1 to 200 readings stay within [min, max] and the relative error",
          "[sketch]") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> spread(-50, 120);
  std::lognormal_distribution<double> skewed(0.5, 1.2);
  for (int n = 1; n <= 200; ++n) {
    for (const bool mixed_signs : {false, true}) {
      std::vector<double> values;
      SummarySketch s;
      for (int i = 0; i < n; ++i) {
        values.push_back(mixed_signs ? spread(rng) : skewed(rng));
        s.add(values.back());
      }
      for (double q : {0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0}) {
        const double got = s.quantile(q), exact = exact_quantile(values, q);
        INFO("n " << n << " q " << q << " exact " << exact << " got " << got);
        CHECK(got >= s.min());
        CHECK(got <= s.max());
        CHECK(std::fabs(got - exact) <= s.relative_error() * std::fabs(exact) * 1.0001);
      }
    }
  }
}

TEST_CASE("sketch quantiles stay within the stated relative error", "[sketch]") {
  std::mt19937 rng(42);
  std::lognormal_distribution<double> dist(1.0, 1.5);
  std::vector<double> values;
  SummarySketch s;
  for (int i = 0; i < 20000; ++i) {
    values.push_back(dist(rng));
    s.add(values.back());
  }
  for (double q : {0.01, 0.5, 0.9, 0.99}) {
    const double exact = exact_quantile(values, q);
    CHECK(std::fabs(s.quantile(q) - exact) <= s.relative_error() * exact * 1.0001);
  }
  CHECK(s.count() == 20000);
  CHECK(s.min() == *std::min_element(values.begin(), values.end()));
  CHECK(s.max() == *std::max_element(values.begin(), values.end()));
}

TEST_CASE("merging sketches equals sketching the combined data", "[sketch]") {
  SummarySketch a, b, all;
  for (int i = 1; i <= 500; ++i) {
    a.add(i * 0.5);
    all.add(i * 0.5);
  }
  for (int i = 1; i <= 300; ++i) {
    b.add(-i * 2.0);
    all.add(-i * 2.0);
  }
  a.merge(b);
  CHECK(a.count() == all.count());
  CHECK(a.sum() == Approx(all.sum()));
  CHECK(a.min() == all.min());
  CHECK(a.max() == all.max());
  for (double q : {0.1, 0.25, 0.5, 0.75, 0.9}) CHECK(a.quantile(q) == all.quantile(q));
  CHECK(a.encode() == all.encode());
}

TEST_CASE("sketch handles zeros, negatives and the empty case", "[sketch]") {
  SummarySketch s;
  CHECK(s.quantile(0.5) == 0);
  CHECK(s.mean() == 0);
  for (double v : {-10.0, 0.0, 0.0, 0.0, 10.0}) s.add(v);
  CHECK(s.quantile(0.5) == 0);
  CHECK(s.quantile(0) == -10);
  CHECK(s.quantile(1) == 10);
  CHECK(s.mean() == 0);
  s.add(std::nan(""));
  CHECK(s.count() == 5);
}

TEST_CASE("sketch encoding round-trips and rejects garbage", "[sketch]") {
  SummarySketch s;
  for (int i = 0; i < 1000; ++i) s.add(std::sin(i) * 100);
  const auto copy = SummarySketch::decode(s.encode());
  CHECK(copy.encode() == s.encode());
  CHECK(copy.quantile(0.9) == s.quantile(0.9));
  std::string bytes = s.encode();
  CHECK_THROWS_AS(SummarySketch::decode(""), Error);
  CHECK_THROWS_AS(SummarySketch::decode(bytes.substr(0, bytes.size() / 2)), Error);
  CHECK_THROWS_AS(SummarySketch::decode(bytes + "x"), Error);
  bytes[0] = 9;
  CHECK_THROWS_AS(SummarySketch::decode(bytes), Error);
}

TEST_CASE("sketch memory stays bounded over a huge value range", "[sketch]") {
  SummarySketch s;
  for (int e = -300; e <= 300; ++e)
    for (int k = 1; k <= 20; ++k) s.add(k * std::pow(10.0, e / 10.0));
  CHECK(s.encode().size() < 20 * SummarySketch::kMaxBuckets);
  CHECK(s.quantile(0.99) <= s.max());
}

TEST_CASE("a decoded sketch must be one that readings could make", "[sketch]") {
  SummarySketch s;
  for (double v : {1.0, 2.0, 3.0}) s.add(v);
  const std::string good = s.encode();
  CHECK(SummarySketch::decode(good).count() == 3);
  const auto patched = [&](std::size_t at, double value) {
    std::string bytes = good;
    std::memcpy(bytes.data() + at, &value, 8);
    return bytes;
  };
  // Layout: format byte, alpha (8), count (1-byte varint), sum, min, max (8 each), ...
  const auto message = [](const std::string& bytes) {
    try {
      SummarySketch::decode(bytes);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  CHECK(message(patched(10, std::nan(""))) ==
        "inconsistent sketch: sum, min and max must be finite");
  CHECK(message(patched(10, 1e12)) == "inconsistent sketch: sum outside count times min..max");
  CHECK(message(patched(18, 5.0)) == "inconsistent sketch: min above max");
  CHECK(message(patched(26, -1.0)) == "inconsistent sketch: min above max");
  CHECK(message(patched(18, std::numeric_limits<double>::infinity())) ==
        "inconsistent sketch: sum, min and max must be finite");
  // A count far beyond what a minute holds, made consistent with zeros.
  const std::string huge = test::zeros_sketch(1'000'000'000'000);
  CHECK(message(huge) == "sketch count out of range");
}

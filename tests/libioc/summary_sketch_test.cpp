#include "ioc/summary_sketch.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "ioc/error.hpp"

using namespace ioc;

namespace {
double exact_quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}
}  // namespace

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

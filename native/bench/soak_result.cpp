// The soak's RESULT line and its verdict. One line of JSON, so a script reads
// the whole run at once; the exit status alone says whether it passed.

#include <algorithm>
#include <cstdio>

#include "bench/json_writer.hpp"
#include "bench/soak.hpp"

namespace chatlab::bench::soak {
namespace {

constexpr const char* window_names[windows] = {"warmup", "baseline", "lag", "after"};

}  // namespace

std::string Soak::slow_json() const {
  const auto at = [&](Nanos t) {
    return t < 0 ? std::string("null") : std::to_string(since_start(t));
  };
  const auto between = [](Nanos a, Nanos b) {
    return a < 0 || b < 0 ? std::string("null") : std::to_string(static_cast<double>(b - a) / 1e9);
  };
  const std::size_t arrived = unread_at_drop_ - std::min(unread_at_drop_, unread_at_stop_);
  return Json()
      .count("cap_bytes", o_.max_outbound)
      .field("stop_s", at(stop_at_))
      .field("cap_s", at(cap_at_))
      .field("drop_s", at(drop_at_))
      .field("eof_s", at(eof_at_))
      .field("fill_s", between(stop_at_, cap_at_))
      .field("drop_after_cap_s", between(cap_at_, drop_at_))
      .field("drop_after_stop_s", between(stop_at_, drop_at_))
      .count("relayed_bytes", drop_at_ >= 0 ? offered_at_drop_ : offered_)
      .count("reader_queue_bytes", arrived)
      .count("chats", slow_chats_)
      .count("out_of_order", slow_out_of_order_)
      .field("error", '"' + slow_error_ + '"')
      .str();
}

bool Soak::report(bool drained, double drain_s, bool synced) const {
  std::uint64_t lost = 0, extra = 0, sent = 0;
  for (std::size_t i = 0; i < n_; ++i) {
    sent += sent_[i];
    for (std::size_t j = 0; j < n_; ++j) {
      const std::uint64_t got = got_[j * n_ + i];
      if (i == j) continue;
      lost += got < sent_[i] ? sent_[i] - got : 0;
      extra += got > sent_[i] ? got - sent_[i] : 0;
    }
  }
  const bool slow_ok =
      slow_ == SIZE_MAX || (stop_at_ >= 0 && drop_at_ >= 0 && slow_out_of_order_ == 0);
  const bool ok = lost == 0 && extra == 0 && out_of_order_ == 0 && misattributed_ == 0 &&
                  unexpected_ == 0 && closed_ == 0 && drained && synced && slow_ok;
  Json latency;
  for (int w = 0; w < windows; ++w) latency.field(window_names[w], latency_[w].json());
  latency.field("steady", steady_.json());
  std::string by_second = "[";
  for (const Latency& second : by_second_) {
    char figure[32];
    std::snprintf(figure, sizeof figure, "%s%.2f", by_second.size() > 1 ? "," : "",
                  second.quantile_ms(0.99));
    by_second += figure;
  }
  const std::string result =
      Json()
          .count("clients", n_)
          .number("rate", o_.rate)
          .number("duration_s", o_.duration_s)
          .count("text_bytes", o_.text_bytes)
          .number("connect_s", connect_s_)
          .count("sent", sent)
          .count("expected", expected_)
          .count("delivered", delivered_)
          .count("lost", lost)
          .count("extra", extra)
          .count("out_of_order", out_of_order_)
          .count("misattributed", misattributed_)
          .count("unexpected", unexpected_)
          .count("closed", closed_)
          .flag("drained", drained)
          .number("drain_s", drain_s)
          .flag("synced", synced)
          .field("latency_ms", latency.str())
          .field("p99_ms_by_second", by_second + "]")
          .field("slow", slow_ == SIZE_MAX ? std::string("null") : slow_json())
          .flag("ok", ok)
          .str();
  std::printf("RESULT %s\n", result.c_str());
  std::fflush(stdout);
  return ok;
}

}  // namespace chatlab::bench::soak

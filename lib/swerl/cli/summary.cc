#include "swerl/cli/summary.h"

#include "swerl/cli/log.h"

namespace swerl::cli {

JsonSummary::JsonSummary() : w_(&out_) { w_.BeginObject(); }

JsonSummary& JsonSummary::Add(std::string_view key, uint64_t v) {
  w_.Key(key);
  w_.Uint(v);
  return *this;
}

JsonSummary& JsonSummary::Add(std::string_view key, int64_t v) {
  w_.Key(key);
  w_.Int(v);
  return *this;
}

JsonSummary& JsonSummary::Add(std::string_view key, double v) {
  w_.Key(key);
  w_.Double(v);
  return *this;
}

JsonSummary& JsonSummary::Add(std::string_view key, bool v) {
  w_.Key(key);
  w_.Bool(v);
  return *this;
}

JsonSummary& JsonSummary::Add(std::string_view key, std::string_view v) {
  w_.Key(key);
  w_.String(v);
  return *this;
}

std::string JsonSummary::Text() const {
  // The writer's object is still open: close a copy.
  return out_ + "}\n";
}

void JsonSummary::Emit() const { Log::Get().Raw(Text()); }

}  // namespace swerl::cli

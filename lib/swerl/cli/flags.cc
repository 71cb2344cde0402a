#include "swerl/cli/flags.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "swerl/cli/size.h"
#include "swerl/cli/tool.h"

namespace swerl::cli {
namespace {

// 256 -> "256", 0.5 -> "0.5": integers without a fraction.
std::string Number(double v) {
  char buf[64];
  if (std::fabs(v) < 1e15 && v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%g", v);
  }
  return buf;
}

// A validator that parses the value as a finite number and asks `ok`;
// `what` completes "must be ..." in the error.
CLI::Validator NumberCheck(std::string description, std::function<bool(double)> ok,
                           std::string what) {
  return CLI::Validator(
      [ok = std::move(ok), what = std::move(what)](std::string& input) -> std::string {
        errno = 0;
        char* end = nullptr;
        const double v = std::strtod(input.c_str(), &end);
        if (input.empty() || end != input.c_str() + input.size() || !std::isfinite(v)) {
          return "'" + input + "' is not a number";
        }
        if (!ok(v)) return "'" + input + "' is out of range: must be " + what;
        return std::string();
      },
      std::move(description));
}

}  // namespace

void AddCommonFlags(CLI::App* cmd, CommonFlags* flags) {
  cmd->add_flag("-q,--quiet", flags->quiet, "Print errors only");
  cmd->add_flag("-v,--verbose", flags->verbose, "More diagnostics (repeat for debug)");
  cmd->add_flag_callback(
      "--progress", [flags] { flags->progress = ProgressMode::kOn; },
      "Show the progress line even when stderr is not a terminal");
  cmd->add_flag_callback(
      "--no-progress", [flags] { flags->progress = ProgressMode::kOff; },
      "Never show the progress line (default: shown when stderr is a terminal, unless -q)");
  cmd->add_flag("--json", flags->json,
                "Also print the end-of-run summary as one JSON object on one line (stderr; "
                "docs/CLI.md)");
  // The spelling before the convention: --stats json, --stats=json.
  cmd->add_option_function<std::string>(
         "--stats",
         [flags](const std::string& v) {
           if (v != "json") throw CLI::ValidationError("--stats", "expected json (use --json)");
           flags->json = true;
         },
         "Deprecated: --json")
      ->group("");
  cmd->footer(kExitCodesHelp);
}

int CoreCount() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

CLI::Option* AddJobsOption(CLI::App* cmd, int* jobs, const std::string& help, int max) {
  if (*jobs <= 0) *jobs = std::min(CoreCount(), max);
  return cmd->add_option("-j,--jobs", *jobs, help)
      ->type_name("N")
      ->check(InRange(1, max))
      ->capture_default_str();
}

CLI::Option* AddSizeOption(CLI::App* cmd, const std::string& name, uint64_t* value,
                           const std::string& help, uint64_t min, uint64_t max) {
  // Parsed here, range-checked, and handed on as plain digits.
  CLI::Validator size(
      [min, max](std::string& input) -> std::string {
        auto bytes = ParseSize(input);
        if (!bytes) return bytes.error().message();
        if (*bytes < min || *bytes > max) {
          return "'" + input + "' is out of range: must be " +
                 (max == UINT64_MAX ? "at least " + FormatSize(min)
                                    : "in [" + FormatSize(min) + ", " + FormatSize(max) + "]");
        }
        input = std::to_string(*bytes);
        return std::string();
      },
      min == 0 && max == UINT64_MAX ? std::string()
      : max == UINT64_MAX           ? ">= " + FormatSize(min)
                                    : "in [" + FormatSize(min) + ", " + FormatSize(max) + "]");
  return cmd->add_option(name, *value, help + " (suffixes K, M, G; K = 1024)")
      ->type_name("SIZE")
      ->transform(size)
      ->default_str(FormatSize(*value));
}

CLI::Validator InRange(double lo, double hi) {
  return NumberCheck(
      "in [" + Number(lo) + ", " + Number(hi) + "]",
      [lo, hi](double v) { return v >= lo && v <= hi; },
      "in [" + Number(lo) + ", " + Number(hi) + "]");
}

CLI::Validator AtLeast(double lo) {
  return NumberCheck(
      ">= " + Number(lo), [lo](double v) { return v >= lo; }, "at least " + Number(lo));
}

CLI::Validator Above(double lo) {
  return NumberCheck(
      "> " + Number(lo), [lo](double v) { return v > lo; }, "greater than " + Number(lo));
}

CLI::Validator AboveAtMost(double lo, double hi) {
  return NumberCheck(
      "in (" + Number(lo) + ", " + Number(hi) + "]",
      [lo, hi](double v) { return v > lo && v <= hi; },
      "in (" + Number(lo) + ", " + Number(hi) + "]");
}

}  // namespace swerl::cli

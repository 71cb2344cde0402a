#include "swerl/io/line_map.h"

namespace swerl::io {

Status MapInputs(const std::vector<std::string>& paths, BufferedOutput* out,
                 const std::function<Status(InputStream* in)>& each) {
  Status st = OkStatus();
  for (const std::string& path : paths) {
    auto in = OpenInput(path);
    if (!in) {
      st = std::move(in).error();
      break;
    }
    st = each(in->get());
    if (!st) {
      if (st.error().code() != Code::kCancelled && st.error().code() != Code::kInvalidInput) {
        st = Error(st.error()).With("reading '" + path + "'");
      }
      break;
    }
  }
  if (st || st.error().code() != Code::kCancelled) {
    if (Status flushed = out->Flush(); !flushed && st) st = std::move(flushed);
  }
  return st;
}

}  // namespace swerl::io

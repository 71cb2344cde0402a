#include "command.h"
namespace swerl::tools {
void RegisterFetch(CLI::App& root, Context& ctx) {}
}

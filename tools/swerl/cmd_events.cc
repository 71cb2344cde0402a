#include "command.h"
namespace swerl::tools {
void RegisterEvents(CLI::App& root, Context& ctx) {}
}

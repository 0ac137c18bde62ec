// Out-of-line part of the corpus's core library.
#include "big/core/core.h"

namespace big::core {

std::string format_counter(std::string_view name, long long value) {
  std::string out(name);
  out += '=';
  out += std::to_string(value);
  if (value < 0) out += " (negative)";
  return out;
}

}  // namespace big::core

// The corpus's core library: the standard headers every unit uses plus the small inline helpers
// above. Precompiled once per compiler (as CMake's target_precompile_headers would).
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "big/core/hash.h"
#include "big/core/math.h"
#include "big/core/result.h"
#include "big/core/ring.h"
#include "big/core/small_map.h"
#include "big/core/strings.h"

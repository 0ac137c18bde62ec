// A sorted-vector map (what many large codebases use instead of std::map for small key sets).
#pragma once
#include <algorithm>
#include <utility>
#include <vector>

namespace big::core {

template <typename K, typename V>
class SmallMap {
 public:
  V& operator[](const K& key) {
    auto it = lower(key);
    if (it == items_.end() || it->first != key) it = items_.insert(it, {key, V{}});
    return it->second;
  }

  const V* find(const K& key) const {
    auto it = std::lower_bound(items_.begin(), items_.end(), key,
                               [](const std::pair<K, V>& item, const K& k) { return item.first < k; });
    return it != items_.end() && it->first == key ? &it->second : nullptr;
  }

  bool erase(const K& key) {
    auto it = lower(key);
    if (it == items_.end() || it->first != key) return false;
    items_.erase(it);
    return true;
  }

  std::size_t size() const { return items_.size(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  typename std::vector<std::pair<K, V>>::iterator lower(const K& key) {
    return std::lower_bound(items_.begin(), items_.end(), key,
                            [](const std::pair<K, V>& item, const K& k) { return item.first < k; });
  }

  std::vector<std::pair<K, V>> items_;
};

}  // namespace big::core

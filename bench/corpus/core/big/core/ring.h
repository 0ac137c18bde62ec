// A fixed-capacity ring buffer template, instantiated with many element types across the corpus.
#pragma once
#include <array>
#include <cstddef>
#include <numeric>

namespace big::core {

template <typename T, std::size_t N>
class Ring {
 public:
  void push(const T& value) {
    items_[head_] = value;
    head_ = (head_ + 1) % N;
    if (size_ < N) ++size_;
  }

  std::size_t size() const { return size_; }
  bool full() const { return size_ == N; }

  const T& back() const { return items_[(head_ + N - 1) % N]; }

  template <typename F>
  void for_each(F&& f) const {
    std::size_t start = (head_ + N - size_) % N;
    for (std::size_t i = 0; i < size_; ++i) f(items_[(start + i) % N]);
  }

  template <typename Acc, typename F>
  Acc fold(Acc init, F&& f) const {
    for_each([&](const T& v) { init = f(init, v); });
    return init;
  }

 private:
  std::array<T, N> items_{};
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace big::core

// Microsoft C++ names for the demangler test (src/msvc_demangle.rs): compiled with clang-19 in cl
// mode for x86_64 and i686, every `?`-symbol of the objects is demangled by us and by
// llvm-undname-19. Declarations only need to produce symbols; nothing here runs.
#include <stddef.h>
namespace outer { namespace inner {
struct S { int a; S(); S(int); S(const S&); S(S&&); ~S(); S& operator=(const S&); S& operator=(S&&);
  int get() const &; int get() volatile &; int get() &; int get() &&; static int st(long); virtual int v(short) const;
  bool operator==(const S&) const; bool operator<(const S&) const; S operator+(const S&) const; S operator-() const;
  int operator[](size_t) const; int operator()(int, int) const; operator bool() const; operator int*() const;
  S* operator->(); void* operator new(size_t); void operator delete(void*); void* operator new[](size_t); void operator delete[](void*);
  S& operator+=(int); S& operator<<=(int); S& operator++(); S operator++(int); int operator->*(int);
  template <class T> T conv(T) const; };
class C { public: virtual ~C(); protected: void prot(float, double) const; private: static void priv(unsigned char, signed char, char); };
union U { int i; float f; U(int); };
enum E { E1, E2 }; enum class EC : unsigned short { A, B };
template <typename T, int N> struct Arr { T data[N]; T& at(int); const T& at(int) const; };
template <typename... Ts> void variadic(Ts...);
template <typename T> void tmpl(T*, T&, const T&, T&&);
void fnptr(int (*)(int), void (*)(void), int (S::*)(int) const, int S::*);
void arrays(int (&)[4], int (*)[3][5], const char*const*);
void misc(wchar_t, char16_t, char32_t, bool, long long, unsigned long long, long double, float, __int64, E, EC, U, C*, nullptr_t);
void varargs(int, ...);
int g_data; const int g_const = 3; extern int* volatile g_vptr;
void restrict_(int* __restrict, int __unaligned*);
void refs(S&, const S&, S&&, volatile S*, const volatile S*);
template <int N> int nontype();
template <bool B, char C> int nontype2();
template <class T, class U> struct Pair { T t; U u; void f(Pair<U,T>); };
void pairs(Pair<int, Pair<char, S>>, Pair<S, S>*, Arr<Pair<int,int>, 2>&);
namespace { int anon(int); struct Hidden { int h(); }; }
int anon_user();
}
int __stdcall stdcallf(int, int); int __fastcall fastcallf(int); int __vectorcall vectorcallf(double);
extern "C" int cfunc(int);
}
void use1() {
  using namespace outer::inner;
  S s; S s2(1); S s3(s); S s4((S&&)s); s = s2; s = (S&&)s2; s.get(); ((volatile S&)s).get(); S().get(); ((const S&)s).get(); s[(size_t)1];
  S::st(1); s.v(2); (void)(s == s2); (void)(s < s2); (void)(s + s2); (void)(-s); (void)s(1, 2); (void)(bool)s; (void)(int*)s;
  s.operator->(); S* p = new S; delete p; S* q = new S[2]; delete[] q; s += 1; s <<= 2; ++s; s++; (void)(s->*3); s.conv(1.5); s.conv('c');
  C* c = 0; delete c; U u(1); Arr<int, 3> a; a.at(1); ((const Arr<int,3>&)a).at(2); Arr<S, 2> as; as.at(0);
  variadic(1, 2.0, 'c'); variadic(); int i = 0; tmpl(&i, i, i, 1); tmpl(&s, s, s, S());
  fnptr(0, 0, 0, 0); int arr[4]; arrays(arr, 0, 0); misc(L'x', u'x', U'x', true, 1, 2, 3.0L, 1.0f, 5, E1, EC::A, u, c, nullptr);
  varargs(1, 2, 3); g_data = g_const; *g_vptr = 1; restrict_(0, 0); refs(s, s, S(), 0, 0); nontype<5>(); nontype<-7>(); nontype<100000>(); nontype2<true, 'x'>();
  Pair<int, Pair<char, S>> pp; Pair<S, S> ps; Arr<Pair<int,int>,2> ap; pairs(pp, &ps, ap); pp.f(Pair<Pair<char,S>, int>());
  anon_user(); outer::stdcallf(1, 2); outer::fastcallf(1); outer::vectorcallf(1.0); outer::cfunc(1);
  auto lam = [&](int x) { return x + i; }; lam(3);
  static int local_static = anon_user();
}
namespace outer { namespace inner { namespace { int anon(int x) { return x; } int Hidden::h() { return 1; } } int anon_user() { Hidden h; return anon(h.h()); } } }
namespace std { template <class T> struct allocator {}; template <class C, class A = allocator<C>> struct basic_string { basic_string(); ~basic_string(); const C* c_str() const; };
  template <class T, class A = allocator<T>> struct vector { void push_back(const T&); void push_back(T&&); T* data(); unsigned long long size() const; };
  template <class K, class V> struct pair { K first; V second; }; }
struct Base1 { virtual ~Base1(); virtual int f1(int); int b1; };
struct Base2 { virtual ~Base2(); virtual int f2(long); int b2; };
struct Multi : Base1, Base2 { ~Multi(); int f1(int) override; int f2(long) override; };
struct Outer { struct Inner { struct Deep { static int s(char*); int m(const Inner*) volatile; }; }; enum Kind : char { K1 }; };
template <class T> struct Box { T v; template <class U> static Box<U> rebind(const Box<T>&, U (*)(T)); T get() const noexcept; };
template <template <class> class TT> struct TTArg { int use(); };
template <class T, T V> struct Const { static T value(); };
template <int* P> struct PtrArg { static int deref(); };
int g_target;
template <void (*F)(int)> void call_with(int);
void target_fn(int);
template <class... Ts> struct Tuple { int size(); };
typedef int (Outer::Inner::Deep::*MemFn)(const Outer::Inner*) volatile;
namespace ns1 { namespace { struct Anon { int a(); }; int anonf(Anon*, Anon&); } }
struct Ops { Ops& operator<<(int); Ops& operator>>(int); bool operator!() const; bool operator!=(const Ops&) const; int operator*() const; Ops* operator&(); int operator%(int); int operator/(int);
  Ops& operator--(); Ops operator--(int); bool operator&&(bool) const; bool operator||(bool) const; int operator~() const; int operator^(int) const; int operator|(int) const;
  Ops& operator-=(int); Ops& operator*=(int); Ops& operator/=(int); Ops& operator%=(int); Ops& operator>>=(int); Ops& operator&=(int); Ops& operator|=(int); Ops& operator^=(int);
  bool operator<=(const Ops&) const; bool operator>(const Ops&) const; bool operator>=(const Ops&) const; int operator,(int); operator const char*() const; };
__declspec(noinline) void sink(...);
struct alignas(16) Big { char c[64]; Big(const Big&); Big(); };
void takes_big(Big, Big*, const Big* const, Big* volatile*);
void takes_fn(void (Base1::*)(), int (*(*)(int))(double), const int* (*)(const char*, ...));
void takes_arrays(char (*)[8], const wchar_t (&)[2][3]);
void takes_long(long long, unsigned long long, unsigned short, signed char, unsigned char, long double, char8_t, decltype(nullptr));
void use2() {
  std::basic_string<char> s; s.c_str(); std::basic_string<wchar_t> w; w.c_str(); std::vector<int> v; v.push_back(1); int x = 1; v.push_back(x); v.data(); v.size();
  std::vector<std::pair<int, std::basic_string<char>>> vp; vp.size(); std::vector<std::vector<int>*> vv; vv.data();
  Multi m; m.f1(1); m.f2(2); Base2* b2 = &m; b2->f2(3); Base1* b1 = &m; delete b1;
  Outer::Inner::Deep::s(0); Outer::Inner::Deep d; d.m(0); Box<int> bi; bi.get(); Box<int>::rebind<double>(bi, nullptr); Box<Box<char>> bb; bb.get();
  TTArg<Box> tt; tt.use(); Const<int, -3>::value(); Const<unsigned, 77u>::value(); Const<bool, false>::value(); Const<long long, 0x123456789LL>::value(); Const<char, 'a'>::value();
  PtrArg<&g_target>::deref(); call_with<&target_fn>(1); Tuple<int, char, Box<int>> tu; tu.size(); Tuple<> t0; t0.size();
  ns1::Anon an; ns1::anonf(&an, an); an.a(); Ops o; o << 1; o >> 1; !o; (void)(o != o); *o; &o; (void)(o % 2); (void)(o / 2); --o; o--; (void)(o && true); (void)(o || false); ~o; (void)(o ^ 1); (void)(o | 1);
  o -= 1; o *= 1; o /= 1; o %= 1; o >>= 1; o &= 1; o |= 1; o ^= 1; (void)(o <= o); (void)(o > o); (void)(o >= o); (void)(o , 1); (void)(const char*)o;
  Big bg; takes_big(bg, &bg, &bg, nullptr); takes_fn(nullptr, nullptr, nullptr); takes_arrays(nullptr, *(const wchar_t(*)[2][3])nullptr); takes_long(1, 2, 3, 4, 5, 6.0L, u8'x', nullptr);
  auto l1 = [](int a) __attribute__((noinline)) { return a * 2; }; sink(l1(2)); auto l2 = [&x](double d) mutable { return d + x; }; sink(l2(1.0));
  sink(1, 2.0, "x");
}

//! Microsoft C++ name demangling (the `?`-names in PDB publics and PE exports), in the form
//! llvm-symbolizer shows them: LLVM's Microsoft demangler with "no access specifier, no
//! calling convention, no member type, no return type" (`llvm-undname-19
//! --no-access-specifier --no-calling-convention --no-member-type --no-return-type`).
//!
//! ```text
//! symbol    ?name-component... @ encoding           (a name reads innermost first)
//! component simple@ | digit (back-reference) | ?$name@template-args@ | ?A<id>@ (anonymous
//!           namespace) | ?<number>?<symbol> (local scope) | first only: ?0 ctor, ?1 dtor,
//!           ?2.. operators, ?B conversion, ?_E/?_G deleting destructors, ...
//! function  class (A..Z: access + static/virtual/thunk, Y/Z global) [adjustor offset]
//!           [this: ext-qualifiers (E ptr64, I restrict, F unaligned), G/H ref-qualifier,
//!           cv A/B/C/D] calling-convention (return-type | @) parameters (X | types... @ | Z)
//!           throw-spec (Z | _E)
//! type      primitive (C..O, X, _J.._W, $$T) | T/U/V/W4 tag name | P/Q/R/S pointer, A/B
//!           reference, $$Q/$$R rvalue reference (+ ext-qualifiers, pointee cv, or 6 function,
//!           8 member function, Q..T member pointer) | Y array | $$C cv type | digit
//!           (parameter back-reference)
//! number    digit = value + 1 | hex nibbles A..P ended by @ | ? prefix = negative
//! ```
//! Up to ten names and ten parameter types (those longer than one character) are remembered
//! for back-references; a template's arguments have their own tables. (Grammar: LLVM's
//! `MicrosoftDemangle.cpp`, and the reverse-engineering notes it cites.)
//!
//! Whatever this does not know (data symbols, RTTI, string literals, MD5 names, and rarer
//! template arguments) gives `None`, and the raw name is kept: a wrong name is worse than a
//! mangled one. The test suite compares every name it demangles with `llvm-undname-19`.

use crate::demangle::MAX_DEMANGLED;

const MAX_BACKREFS: usize = 10;
const MAX_DEPTH: u32 = 64;

pub fn demangle(mangled: &str) -> Option<String> {
    let mut p = Parser {
        s: mangled.as_bytes(),
        pos: 0,
        refs: Refs::default(),
        depth: 0,
    };
    let out = p.function_symbol(Flags::SYMBOLIZER)?;
    (p.pos == p.s.len() && out.len() <= MAX_DEMANGLED).then_some(out)
}

#[derive(Clone, Copy)]
struct Flags {
    access: bool,
    member_type: bool,
    return_type: bool,
    calling_convention: bool,
}

impl Flags {
    /// What llvm-symbolizer asks LLVM's demangler for.
    const SYMBOLIZER: Flags = Flags {
        access: false,
        member_type: false,
        return_type: false,
        calling_convention: false,
    };
    /// Everything, as LLVM prints a symbol nested in a local scope name.
    const FULL: Flags = Flags {
        access: true,
        member_type: true,
        return_type: true,
        calling_convention: true,
    };
}

#[derive(Default, Clone)]
struct Refs {
    names: Vec<String>,
    params: Vec<Type>,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Quals {
    konst: bool,
    volatile: bool,
    restrict: bool,
    unaligned: bool,
}

impl Quals {
    fn cv(c: u8) -> Option<Quals> {
        let (konst, volatile) = match c {
            b'A' | b'Q' => (false, false),
            b'B' | b'R' => (true, false),
            b'C' | b'S' => (false, true),
            b'D' | b'T' => (true, true),
            _ => return None,
        };
        Some(Quals {
            konst,
            volatile,
            ..Quals::default()
        })
    }

    fn or(self, o: Quals) -> Quals {
        Quals {
            konst: self.konst || o.konst,
            volatile: self.volatile || o.volatile,
            restrict: self.restrict || o.restrict,
            unaligned: self.unaligned || o.unaligned,
        }
    }

    /// LLVM's `outputQualifiers` without `__unaligned` (pointers print that before the `*`).
    fn write(self, out: &mut String, space_before: bool) {
        let mut first = true;
        for (on, text) in [
            (self.konst, "const"),
            (self.volatile, "volatile"),
            (self.restrict, "__restrict"),
        ] {
            if on {
                if !first || space_before {
                    out.push(' ');
                }
                out.push_str(text);
                first = false;
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Affinity {
    Pointer,
    Reference,
    RValueReference,
}

#[derive(Clone)]
enum Type {
    /// A primitive or tag type, already named ("int", "struct ns::S").
    Named(String, Quals),
    Pointer {
        affinity: Affinity,
        quals: Quals,
        class: Option<String>,
        pointee: Box<Type>,
    },
    Array {
        dims: Vec<i64>,
        quals: Quals,
        element: Box<Type>,
    },
    Function(Box<Signature>),
}

#[derive(Clone)]
struct Signature {
    /// Access and member kind, for the full rendering of local-scope symbols.
    prefix: &'static str,
    convention: &'static str,
    ret: Option<Type>,
    params: Vec<Type>,
    /// `None` = `(void)`; set when the list was `X`.
    void_params: bool,
    variadic: bool,
    quals: Quals,
    noexcept: bool,
    ref_qualifier: &'static str,
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    refs: Refs,
    depth: u32,
}

/// A name component: text, and whether it is a constructor or destructor (named after its
/// class, the next component).
enum Component {
    Text(String),
    Structor { destructor: bool },
    Conversion,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        if self.s[self.pos..].starts_with(s.as_bytes()) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// `?` qualified-name function-encoding, rendered with `flags`.
    fn function_symbol(&mut self, flags: Flags) -> Option<String> {
        if !self.eat(b'?') || self.s[self.pos..].starts_with(b"?@") {
            return None;
        }
        self.enter()?;
        let first = self.first_component()?;
        let scopes = self.scopes()?;
        let class_name = scopes.first().cloned();
        let mut out = String::new();
        let encoded = self.function_encoding()?;
        let (sig, thunk) = encoded;
        let mut name = String::new();
        for scope in scopes.iter().rev() {
            name.push_str(scope);
            name.push_str("::");
        }
        match first {
            Component::Text(t) => name.push_str(&t),
            Component::Structor { destructor } => {
                if destructor {
                    name.push('~');
                }
                name.push_str(class_name.as_deref()?);
            }
            Component::Conversion => {
                name.push_str("operator ");
                let mut t = String::new();
                write_type(sig.ret.as_ref()?, &mut t, Flags::SYMBOLIZER);
                name.push_str(&t);
            }
        }
        if thunk.is_some() {
            out.push_str("[thunk]: ");
        }
        write_signature_pre(&sig, &mut out, flags);
        out.push_str(&name);
        if let Some(offset) = thunk {
            out.push_str("`adjustor{");
            out.push_str(&offset.to_string());
            out.push_str("}'");
        }
        write_signature_post(&sig, &mut out, flags);
        self.leave();
        Some(out)
    }

    /// The symbol's own (innermost) name: an operator, a template or a simple name.
    fn first_component(&mut self) -> Option<Component> {
        if self.eat_str("?$") {
            // A function template's name is not remembered as a whole.
            return self.template_name(false).map(Component::Text);
        }
        if self.eat(b'?') {
            return self.operator_name();
        }
        if let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            self.pos += 1;
            return self
                .refs
                .names
                .get(usize::from(d - b'0'))
                .cloned()
                .map(Component::Text);
        }
        self.simple_name(true).map(Component::Text)
    }

    /// Enclosing scopes (namespaces, classes), innermost first, up to the closing `@`.
    fn scopes(&mut self) -> Option<Vec<String>> {
        let mut out = Vec::new();
        while !self.eat(b'@') {
            out.push(self.scope_piece()?);
            if out.len() > 64 {
                return None;
            }
        }
        Some(out)
    }

    fn scope_piece(&mut self) -> Option<String> {
        if let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            self.pos += 1;
            return self.refs.names.get(usize::from(d - b'0')).cloned();
        }
        if self.eat_str("?$") {
            return self.template_name(true);
        }
        if self.eat_str("?A") {
            // `?A0x1234abcd@`: LLVM remembers the id itself (so a back-reference prints it).
            let end = self.s[self.pos..].iter().position(|&c| c == b'@')?;
            let key = std::str::from_utf8(&self.s[self.pos..self.pos + end])
                .ok()?
                .to_string();
            self.pos += end + 1;
            self.remember(key);
            return Some("`anonymous namespace'".to_string());
        }
        if self.peek() == Some(b'?') {
            return self.local_scope();
        }
        self.simple_name(true)
    }

    /// `?<number>?<symbol>`: a name declared inside a function, printed as
    /// "`<full symbol>'::`<number>'".
    fn local_scope(&mut self) -> Option<String> {
        self.enter()?;
        self.pos += 1;
        let n = self.number()?;
        if !self.eat(b'?') {
            return None;
        }
        // The nested symbol has its own back-references.
        let saved = std::mem::take(&mut self.refs);
        let symbol = self.function_symbol(Flags::FULL);
        self.refs = saved;
        self.leave();
        Some(format!("`{}'::`{}'", symbol?, n))
    }

    fn simple_name(&mut self, remember: bool) -> Option<String> {
        let end = self.s[self.pos..].iter().position(|&c| c == b'@')?;
        if end == 0 {
            return None;
        }
        let name = std::str::from_utf8(&self.s[self.pos..self.pos + end])
            .ok()?
            .to_string();
        self.pos += end + 1;
        if remember {
            self.remember(name.clone());
        }
        Some(name)
    }

    fn remember(&mut self, name: String) {
        if self.refs.names.len() < MAX_BACKREFS && !self.refs.names.contains(&name) {
            self.refs.names.push(name);
        }
    }

    /// After `?$`: name `@` arguments `@`, with back-reference tables of its own.
    fn template_name(&mut self, remember: bool) -> Option<String> {
        self.enter()?;
        let outer = std::mem::take(&mut self.refs);
        let result = (|| {
            let mut name = if self.eat(b'?') {
                match self.operator_name()? {
                    Component::Text(t) => t,
                    _ => return None,
                }
            } else {
                self.simple_name(true)?
            };
            name.push('<');
            let mut first = true;
            while !self.eat(b'@') {
                if self.eat_str("$S") || self.eat_str("$$V") || self.eat_str("$$Z") {
                    continue;
                }
                let arg = self.template_arg()?;
                if !first {
                    name.push_str(", ");
                }
                name.push_str(&arg);
                first = false;
            }
            name.push('>');
            Some(name)
        })();
        self.refs = outer;
        self.leave();
        let name = result?;
        if remember {
            self.remember(name.clone());
        }
        Some(name)
    }

    fn template_arg(&mut self) -> Option<String> {
        if self.eat_str("$0") {
            return Some(self.signed_number()?.to_string());
        }
        if self.eat_str("$1") {
            // A pointer to a function: `&name(params)`.
            let saved = std::mem::take(&mut self.refs);
            let symbol = self.function_symbol(Flags::SYMBOLIZER);
            self.refs = saved;
            return Some(format!("&{}", symbol?));
        }
        if self.peek() == Some(b'$')
            && !self.s[self.pos..].starts_with(b"$$C")
            && !self.s[self.pos..].starts_with(b"$$T")
        {
            // Member pointers, references to symbols, auto parameters, aliases: not read.
            return None;
        }
        let t = self.ty(QualMode::Drop)?;
        let mut out = String::new();
        write_type(&t, &mut out, Flags::SYMBOLIZER);
        Some(out)
    }

    /// After the first `?`: an operator or special member name.
    fn operator_name(&mut self) -> Option<Component> {
        let c = self.next()?;
        let text = match c {
            b'0' => return Some(Component::Structor { destructor: false }),
            b'1' => return Some(Component::Structor { destructor: true }),
            b'B' => return Some(Component::Conversion),
            b'2' => "operator new",
            b'3' => "operator delete",
            b'4' => "operator=",
            b'5' => "operator>>",
            b'6' => "operator<<",
            b'7' => "operator!",
            b'8' => "operator==",
            b'9' => "operator!=",
            b'A' => "operator[]",
            b'C' => "operator->",
            b'D' => "operator*",
            b'E' => "operator++",
            b'F' => "operator--",
            b'G' => "operator-",
            b'H' => "operator+",
            b'I' => "operator&",
            b'J' => "operator->*",
            b'K' => "operator/",
            b'L' => "operator%",
            b'M' => "operator<",
            b'N' => "operator<=",
            b'O' => "operator>",
            b'P' => "operator>=",
            b'Q' => "operator,",
            b'R' => "operator()",
            b'S' => "operator~",
            b'T' => "operator^",
            b'U' => "operator|",
            b'V' => "operator&&",
            b'W' => "operator||",
            b'X' => "operator*=",
            b'Y' => "operator+=",
            b'Z' => "operator-=",
            b'_' => match self.next()? {
                b'0' => "operator/=",
                b'1' => "operator%=",
                b'2' => "operator>>=",
                b'3' => "operator<<=",
                b'4' => "operator&=",
                b'5' => "operator|=",
                b'6' => "operator^=",
                b'D' => "`vbase dtor'",
                b'E' => "`vector deleting dtor'",
                b'F' => "`default ctor closure'",
                b'G' => "`scalar deleting dtor'",
                b'H' => "`vector ctor iterator'",
                b'I' => "`vector dtor iterator'",
                b'J' => "`vector vbase ctor iterator'",
                b'L' => "`eh vector ctor iterator'",
                b'M' => "`eh vector dtor iterator'",
                b'N' => "`eh vector vbase ctor iterator'",
                b'O' => "`copy ctor closure'",
                b'U' => "operator new[]",
                b'V' => "operator delete[]",
                b'_' => match self.next()? {
                    b'L' => "operator co_await",
                    b'M' => "operator<=>",
                    _ => return None,
                },
                _ => return None,
            },
            _ => return None,
        };
        Some(Component::Text(text.to_string()))
    }

    /// The encoding of a function after its name; `Some(offset)` for an adjustor thunk.
    fn function_encoding(&mut self) -> Option<(Signature, Option<i64>)> {
        let class = self.next()?;
        // (access prefix, member kind): static, virtual, thunk, global.
        let (access, kind) = match class {
            b'A'..=b'H' => ("private: ", (class - b'A') / 2),
            b'I'..=b'P' => ("protected: ", (class - b'I') / 2),
            b'Q'..=b'X' => ("public: ", (class - b'Q') / 2),
            b'Y' | b'Z' => ("", 4),
            _ => return None,
        };
        let (member_prefix, this) = match kind {
            0 => ("", true),
            1 => ("static ", false),
            2 => ("virtual ", true),
            3 => ("virtual ", true),
            _ => ("", false),
        };
        let thunk = if kind == 3 {
            Some(self.signed_number()?)
        } else {
            None
        };
        let prefix: &'static str = match (access, member_prefix) {
            ("private: ", "") => "private: ",
            ("private: ", "static ") => "private: static ",
            ("private: ", _) => "private: virtual ",
            ("protected: ", "") => "protected: ",
            ("protected: ", "static ") => "protected: static ",
            ("protected: ", _) => "protected: virtual ",
            ("public: ", "") => "public: ",
            ("public: ", "static ") => "public: static ",
            ("public: ", _) => "public: virtual ",
            _ => "",
        };
        let mut sig = self.function_type(this)?;
        sig.prefix = prefix;
        Some((sig, thunk))
    }

    /// [this qualifiers] calling-convention return-type parameters throw-spec.
    fn function_type(&mut self, this: bool) -> Option<Signature> {
        let mut quals = Quals::default();
        let mut ref_qualifier = "";
        if this {
            quals = self.ext_quals();
            if self.eat(b'G') {
                ref_qualifier = " &";
            } else if self.eat(b'H') {
                ref_qualifier = " &&";
            }
            quals = quals.or(Quals::cv(self.next()?)?);
        }
        let convention = match self.next()? {
            b'A' | b'B' => "__cdecl",
            b'C' | b'D' => "__pascal",
            b'E' | b'F' => "__thiscall",
            b'G' | b'H' => "__stdcall",
            b'I' | b'J' => "__fastcall",
            b'M' | b'N' => "__clrcall",
            b'O' | b'P' => "__eabi",
            b'Q' => "__vectorcall",
            b'S' => "__regcall",
            _ => return None,
        };
        let ret = if self.eat(b'@') {
            None
        } else {
            Some(self.ty(QualMode::Result)?)
        };
        let (params, void_params, variadic) = self.parameters()?;
        let noexcept = if self.eat_str("_E") {
            true
        } else if self.eat(b'Z') {
            false
        } else {
            return None;
        };
        Some(Signature {
            prefix: "",
            convention,
            ret,
            params,
            void_params,
            variadic,
            quals,
            noexcept,
            ref_qualifier,
        })
    }

    fn parameters(&mut self) -> Option<(Vec<Type>, bool, bool)> {
        if self.eat(b'X') {
            return Some((Vec::new(), true, false));
        }
        let mut params = Vec::new();
        while !matches!(self.peek(), Some(b'@') | Some(b'Z') | None) {
            if let Some(d) = self.peek().filter(u8::is_ascii_digit) {
                self.pos += 1;
                params.push(self.refs.params.get(usize::from(d - b'0'))?.clone());
                continue;
            }
            let start = self.pos;
            let t = self.ty(QualMode::Drop)?;
            if self.pos - start > 1 && self.refs.params.len() < MAX_BACKREFS {
                self.refs.params.push(t.clone());
            }
            params.push(t);
            if params.len() > 256 {
                return None;
            }
        }
        if self.eat(b'@') {
            Some((params, false, false))
        } else if self.eat(b'Z') {
            Some((params, false, true))
        } else {
            None
        }
    }

    /// E (__ptr64, not printed), I (__restrict), F (__unaligned), in any order.
    fn ext_quals(&mut self) -> Quals {
        let mut q = Quals::default();
        loop {
            if self.eat(b'E') {
            } else if self.eat(b'I') {
                q.restrict = true;
            } else if self.eat(b'F') {
                q.unaligned = true;
            } else {
                return q;
            }
        }
    }

    fn ty(&mut self, mode: QualMode) -> Option<Type> {
        self.enter()?;
        let t = self.ty_inner(mode);
        self.leave();
        t
    }

    fn ty_inner(&mut self, mode: QualMode) -> Option<Type> {
        let mut quals = Quals::default();
        if mode == QualMode::Result && self.eat(b'?') {
            quals = Quals::cv(self.next()?)?;
        }
        if self.eat_str("$$C") {
            quals = quals.or(Quals::cv(self.next()?)?);
            return Some(with_quals(self.ty(QualMode::Drop)?, quals));
        }
        if self.eat_str("$$T") {
            return Some(Type::Named("std::nullptr_t".into(), quals));
        }
        if self.eat_str("$$Q") {
            return self.pointer(Affinity::RValueReference, Quals::default());
        }
        if self.eat_str("$$R") {
            return self.pointer(
                Affinity::RValueReference,
                Quals {
                    volatile: true,
                    ..Quals::default()
                },
            );
        }
        let c = self.next()?;
        let prim = match c {
            b'C' => "signed char",
            b'D' => "char",
            b'E' => "unsigned char",
            b'F' => "short",
            b'G' => "unsigned short",
            b'H' => "int",
            b'I' => "unsigned int",
            b'J' => "long",
            b'K' => "unsigned long",
            b'M' => "float",
            b'N' => "double",
            b'O' => "long double",
            b'X' => "void",
            b'_' => match self.next()? {
                b'J' => "__int64",
                b'K' => "unsigned __int64",
                b'N' => "bool",
                b'W' => "wchar_t",
                b'S' => "char16_t",
                b'U' => "char32_t",
                b'Q' => "char8_t",
                _ => return None,
            },
            b'T' | b'U' | b'V' => {
                let tag = match c {
                    b'T' => "union ",
                    b'U' => "struct ",
                    _ => "class ",
                };
                return Some(Type::Named(format!("{}{}", tag, self.type_name()?), quals));
            }
            b'W' => {
                if !self.eat(b'4') {
                    return None;
                }
                return Some(Type::Named(format!("enum {}", self.type_name()?), quals));
            }
            b'P' | b'Q' | b'R' | b'S' => {
                // P, Q, R, S: a pointer that is itself plain, const, volatile, const volatile.
                let own = Quals::cv(c - b'P' + b'A')?;
                return self
                    .pointer(Affinity::Pointer, own)
                    .map(|t| with_quals(t, quals));
            }
            b'A' => return self.pointer(Affinity::Reference, Quals::default()),
            b'B' => {
                return self.pointer(
                    Affinity::Reference,
                    Quals {
                        volatile: true,
                        ..Quals::default()
                    },
                )
            }
            b'Y' => return self.array(),
            _ => return None,
        };
        Some(Type::Named(prim.into(), quals))
    }

    /// A tag type's fully qualified name (outermost first), with back-references.
    fn type_name(&mut self) -> Option<String> {
        let first = if let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            self.pos += 1;
            self.refs.names.get(usize::from(d - b'0'))?.clone()
        } else if self.eat_str("?$") {
            self.template_name(true)?
        } else {
            self.simple_name(true)?
        };
        let scopes = self.scopes()?;
        let mut out = String::new();
        for s in scopes.iter().rev() {
            out.push_str(s);
            out.push_str("::");
        }
        out.push_str(&first);
        Some(out)
    }

    /// After the pointer or reference code (whose own cv qualifiers are `quals`).
    fn pointer(&mut self, affinity: Affinity, quals: Quals) -> Option<Type> {
        if self.eat(b'6') {
            let sig = self.function_type(false)?;
            return Some(Type::Pointer {
                affinity,
                quals,
                class: None,
                pointee: Box::new(Type::Function(Box::new(sig))),
            });
        }
        let quals = quals.or(self.ext_quals());
        if self.eat(b'8') {
            let class = self.type_name()?;
            let sig = self.function_type(true)?;
            return Some(Type::Pointer {
                affinity,
                quals,
                class: Some(class),
                pointee: Box::new(Type::Function(Box::new(sig))),
            });
        }
        let c = self.next()?;
        let pointee_quals = Quals::cv(c)?;
        let class = if (b'Q'..=b'T').contains(&c) {
            Some(self.type_name()?)
        } else {
            None
        };
        let pointee = with_quals(self.ty(QualMode::Drop)?, pointee_quals);
        Some(Type::Pointer {
            affinity,
            quals,
            class,
            pointee: Box::new(pointee),
        })
    }

    fn array(&mut self) -> Option<Type> {
        let rank = self.number()?;
        if rank == 0 || rank > 16 {
            return None;
        }
        let mut dims = Vec::new();
        for _ in 0..rank {
            dims.push(self.number()?);
        }
        let mut quals = Quals::default();
        if self.eat_str("$$C") {
            quals = Quals::cv(self.next()?)?;
        }
        let element = self.ty(QualMode::Drop)?;
        Some(Type::Array {
            dims,
            quals,
            element: Box::new(element),
        })
    }

    /// An encoded non-negative number: a digit is value + 1, else hex nibbles A..P up to `@`.
    fn number(&mut self) -> Option<i64> {
        let c = self.next()?;
        if c.is_ascii_digit() {
            return Some(i64::from(c - b'0') + 1);
        }
        let mut v: u64 = 0;
        let mut c = c;
        let mut nibbles = 0;
        while c != b'@' {
            if !(b'A'..=b'P').contains(&c) || nibbles >= 16 {
                return None;
            }
            v = v << 4 | u64::from(c - b'A');
            nibbles += 1;
            c = self.next()?;
        }
        i64::try_from(v).ok()
    }

    fn signed_number(&mut self) -> Option<i64> {
        let negative = self.eat(b'?');
        let n = self.number()?;
        Some(if negative { -n } else { n })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum QualMode {
    /// A return type: a leading `?` carries its cv qualifiers.
    Result,
    /// A parameter or pointee type: cv qualifiers, if any, come from elsewhere.
    Drop,
}

fn with_quals(t: Type, q: Quals) -> Type {
    if q == Quals::default() {
        return t;
    }
    match t {
        Type::Named(n, quals) => Type::Named(n, quals.or(q)),
        Type::Pointer {
            affinity,
            quals,
            class,
            pointee,
        } => Type::Pointer {
            affinity,
            quals: quals.or(q),
            class,
            pointee,
        },
        Type::Array {
            dims,
            quals,
            element,
        } => Type::Array {
            dims,
            quals: quals.or(q),
            element,
        },
        f => f,
    }
}

fn write_type(t: &Type, out: &mut String, flags: Flags) {
    write_pre(t, out, flags);
    write_post(t, out, flags);
}

/// LLVM's `outputSpaceIfNecessary`: a space after an identifier or `>`.
fn space_if_necessary(out: &mut String) {
    if out.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '>') {
        out.push(' ');
    }
}

fn write_pre(t: &Type, out: &mut String, flags: Flags) {
    match t {
        Type::Named(name, quals) => {
            out.push_str(name);
            quals.write(out, true);
        }
        Type::Pointer {
            affinity,
            quals,
            class,
            pointee,
        } => {
            match pointee.as_ref() {
                // A function pointer's calling convention goes inside the parentheses; its
                // return type is always shown.
                Type::Function(sig) => {
                    if let Some(r) = &sig.ret {
                        write_pre(r, out, flags);
                        out.push(' ');
                    }
                }
                p => write_pre(p, out, flags),
            }
            space_if_necessary(out);
            if quals.unaligned {
                out.push_str("__unaligned ");
            }
            match pointee.as_ref() {
                Type::Array { .. } => out.push('('),
                Type::Function(sig) => {
                    out.push('(');
                    out.push_str(sig.convention);
                    out.push(' ');
                }
                _ => {}
            }
            if let Some(c) = class {
                out.push_str(c);
                out.push_str("::");
            }
            out.push_str(match affinity {
                Affinity::Pointer => "*",
                Affinity::Reference => "&",
                Affinity::RValueReference => "&&",
            });
            quals.write(out, false);
        }
        Type::Array { quals, element, .. } => {
            write_pre(element, out, flags);
            quals.write(out, true);
        }
        Type::Function(sig) => write_signature_pre(sig, out, flags),
    }
}

fn write_post(t: &Type, out: &mut String, flags: Flags) {
    match t {
        Type::Named(..) => {}
        Type::Pointer { pointee, .. } => {
            if matches!(pointee.as_ref(), Type::Array { .. } | Type::Function(_)) {
                out.push(')');
            }
            write_post(pointee, out, flags);
        }
        Type::Array { dims, element, .. } => {
            out.push('[');
            for (i, d) in dims.iter().enumerate() {
                if i > 0 {
                    out.push_str("][");
                }
                out.push_str(&d.to_string());
            }
            out.push(']');
            write_post(element, out, flags);
        }
        Type::Function(sig) => write_signature_post(sig, out, flags),
    }
}

fn write_signature_pre(sig: &Signature, out: &mut String, flags: Flags) {
    if flags.access || flags.member_type {
        // Only the full rendering (local scopes) shows these, and it shows both.
        out.push_str(sig.prefix);
    }
    if flags.return_type {
        if let Some(r) = &sig.ret {
            write_pre(r, out, flags);
            out.push(' ');
        }
    }
    if flags.calling_convention {
        out.push_str(sig.convention);
        out.push(' ');
    }
}

fn write_signature_post(sig: &Signature, out: &mut String, flags: Flags) {
    out.push('(');
    if sig.void_params || (sig.params.is_empty() && !sig.variadic) {
        out.push_str("void");
    }
    for (i, p) in sig.params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_type(p, out, Flags::SYMBOLIZER);
    }
    if sig.variadic {
        if !out.ends_with('(') {
            out.push_str(", ");
        }
        out.push_str("...");
    }
    out.push(')');
    sig.quals.write(out, true);
    if sig.quals.unaligned {
        out.push_str(" __unaligned");
    }
    if sig.noexcept {
        out.push_str(" noexcept");
    }
    out.push_str(sig.ref_qualifier);
    if flags.return_type {
        if let Some(r) = &sig.ret {
            write_post(r, out, flags);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::demangle;

    #[test]
    fn demangles_like_llvm_symbolizer() {
        for (mangled, want) in [
            (
                "?count@Shape@geom@fixture@@SAH_K@Z",
                "fixture::geom::Shape::count(unsigned __int64)",
            ),
            (
                "?area@Shape@geom@fixture@@QEBAHXZ",
                "fixture::geom::Shape::area(void) const",
            ),
            (
                "??$length2@H@geom@fixture@@YAHAEBU?$Vec@H@01@@Z",
                "fixture::geom::length2<int>(struct fixture::geom::Vec<int> const &)",
            ),
            (
                "?apply@fixture@@YAHP6AHH@ZH_W_N@Z",
                "fixture::apply(int (__cdecl *)(int), int, wchar_t, bool)",
            ),
            (
                "??$scaled_sum@H$02@geom@fixture@@YAHAEAY02$$CBH@Z",
                "fixture::geom::scaled_sum<int, 3>(int const (&)[3])",
            ),
            (
                "??3@YAXPEAX_K@Z",
                "operator delete(void *, unsigned __int64)",
            ),
            (
                "??1?$Arr@H$02@inner@outer@@QEAA@XZ",
                "outer::inner::Arr<int, 3>::~Arr<int, 3>(void)",
            ),
            (
                "??R<lambda_1>@?0??use@@YAXXZ@QEBA@H@Z",
                "`void __cdecl use(void)'::`1'::<lambda_1>::operator()(int) const",
            ),
            ("?f@s@@W7EAAXXZ", "[thunk]: s::f`adjustor{8}'(void)"),
        ] {
            assert_eq!(demangle(mangled).as_deref(), Some(want), "{}", mangled);
        }
    }

    #[test]
    fn leaves_what_it_does_not_know_alone() {
        for raw in [
            "?fixture_sink@@3HC",
            "??_7Shape@@6B@",
            "??@0123456789abcdef@",
            "?f@@YAXU?$A@$$A6AXXZ@@@Z",
            "?f",
            "",
        ] {
            assert_eq!(demangle(raw), None, "{}", raw);
        }
        // Deep nesting and garbage end in None, not a stack overflow.
        let deep = format!("?f@@YAX{}H@Z", "PEA".repeat(10_000));
        assert_eq!(demangle(&deep), None);
        for seed in 0..3000u32 {
            let s: String = (0..40)
                .map(|i| {
                    b"?@$0123ABCDEHPQUVXYZ_"
                        [((seed.wrapping_mul(2654435761) >> (i % 24)) % 21) as usize]
                        as char
                })
                .collect();
            let _ = demangle(&s);
        }
    }
}

/// Every `?`-symbol of `tests/msvc-demangle-corpus.cpp`, compiled by clang-19 in cl mode for
/// x86_64 and i686, against `llvm-undname-19` with llvm-symbolizer's options: what we demangle
/// must be identical, and we must demangle (almost) every function. Skipped without LLVM 19.
#[cfg(test)]
mod corpus {
    use std::process::Command;

    fn tool(name: &str) -> bool {
        Command::new(name)
            .arg("--version")
            .output()
            .map_or(false, |o| o.status.success())
    }

    #[test]
    fn agrees_with_llvm_undname() {
        if !["clang-19", "llvm-nm-19", "llvm-undname-19"]
            .iter()
            .all(|t| tool(t))
        {
            eprintln!("skipped: clang-19, llvm-nm-19 or llvm-undname-19 missing (scripts/install-toolchain.sh)");
            return;
        }
        let dir = std::env::temp_dir().join(format!("msvc-demangle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let source = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/msvc-demangle-corpus.cpp"
        );
        let mut names = Vec::new();
        for target in ["x86_64", "i686"] {
            let obj = dir.join(format!("{}.obj", target));
            let cc = Command::new("clang-19")
                .args([
                    "--driver-mode=cl",
                    &format!("--target={}-pc-windows-msvc", target),
                    "/std:c++20",
                    "/nologo",
                ])
                .args(["/c", "/O1", "-Wno-everything"])
                .arg(format!("/Fo{}", obj.display()))
                // cl mode reads a leading `/` as an option: the source goes after `--`.
                .args(["--", source])
                .output()
                .unwrap();
            assert!(
                cc.status.success(),
                "clang-19 failed: {}",
                String::from_utf8_lossy(&cc.stderr)
            );
            let nm = Command::new("llvm-nm-19").arg(&obj).output().unwrap();
            for line in String::from_utf8(nm.stdout).unwrap().lines() {
                if let Some(name) = line
                    .split_whitespace()
                    .last()
                    .filter(|n| n.starts_with('?'))
                {
                    names.push(name.to_string());
                }
            }
        }
        names.sort();
        names.dedup();
        let undname = Command::new("llvm-undname-19")
            .args([
                "--no-access-specifier",
                "--no-calling-convention",
                "--no-return-type",
                "--no-member-type",
            ])
            .args(&names)
            .output()
            .unwrap();
        // llvm-undname prints each input, then its demangling, then an empty line.
        let text = String::from_utf8(undname.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let (mut functions, mut ours) = (0, 0);
        for (i, name) in names.iter().enumerate() {
            let llvm = lines.get(3 * i + 1).copied().unwrap_or_default();
            let is_function = [")", " const", " volatile", " &", " &&", " noexcept"]
                .iter()
                .any(|e| llvm.ends_with(e));
            functions += usize::from(is_function);
            if let Some(d) = super::demangle(name) {
                assert_eq!(d, llvm, "{}", name);
                ours += 1;
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!(
            "{} names, {} functions by llvm-undname, {} demangled identically by us",
            names.len(),
            functions,
            ours
        );
        assert!(names.len() > 200);
        assert!(
            ours * 100 >= functions * 98,
            "{} of {} functions",
            ours,
            functions
        );
    }
}

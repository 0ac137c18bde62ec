//! The operator table of the Itanium ABI (section 5.1.5.5 `<operator-name>`, and the
//! expression forms of 5.1.6), with the spelling and precedence LLVM prints them with.

use super::super::ast::Prec;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum OpKind {
    Prefix,
    Postfix,
    Binary,
    Array,
    Member,
    New,
    Del,
    Call,
    CCast,
    Conditional,
    NameOnly,
    NamedCast,
    OfIdOp,
}

pub(super) struct Op {
    pub(super) code: &'static [u8; 2],
    pub(super) kind: OpKind,
    pub(super) flag: bool,
    pub(super) prec: Prec,
    pub(super) name: &'static str,
}

impl Op {
    /// The operator as written in an expression (`+`, `sizeof `), without `operator`.
    pub(super) fn symbol(&self) -> &'static str {
        match self.kind {
            OpKind::NamedCast | OpKind::OfIdOp => self.name,
            _ => {
                let s = self.name.strip_prefix("operator").unwrap_or(self.name);
                s.strip_prefix(' ').unwrap_or(s)
            }
        }
    }
}

macro_rules! op {
    ($code:literal, $kind:ident, $flag:literal, $prec:ident, $name:literal) => {
        Op {
            code: $code,
            kind: OpKind::$kind,
            flag: $flag,
            prec: Prec::$prec,
            name: $name,
        }
    };
}

/// Sorted by code (binary search).
pub(super) static OPS: [Op; 62] = [
    op!(b"aN", Binary, false, Assign, "operator&="),
    op!(b"aS", Binary, false, Assign, "operator="),
    op!(b"aa", Binary, false, AndIf, "operator&&"),
    op!(b"ad", Prefix, false, Unary, "operator&"),
    op!(b"an", Binary, false, And, "operator&"),
    op!(b"at", OfIdOp, true, Unary, "alignof "),
    op!(b"aw", NameOnly, false, Primary, "operator co_await"),
    op!(b"az", OfIdOp, false, Unary, "alignof "),
    op!(b"cc", NamedCast, false, Postfix, "const_cast"),
    op!(b"cl", Call, false, Postfix, "operator()"),
    op!(b"cm", Binary, false, Comma, "operator,"),
    op!(b"co", Prefix, false, Unary, "operator~"),
    op!(b"cv", CCast, false, Cast, "operator"),
    op!(b"dV", Binary, false, Assign, "operator/="),
    op!(b"da", Del, true, Unary, "operator delete[]"),
    op!(b"dc", NamedCast, false, Postfix, "dynamic_cast"),
    op!(b"de", Prefix, false, Unary, "operator*"),
    op!(b"dl", Del, false, Unary, "operator delete"),
    op!(b"ds", Member, false, PtrMem, "operator.*"),
    op!(b"dt", Member, false, Postfix, "operator."),
    op!(b"dv", Binary, false, Assign, "operator/"),
    op!(b"eO", Binary, false, Assign, "operator^="),
    op!(b"eo", Binary, false, Xor, "operator^"),
    op!(b"eq", Binary, false, Equality, "operator=="),
    op!(b"ge", Binary, false, Relational, "operator>="),
    op!(b"gt", Binary, false, Relational, "operator>"),
    op!(b"ix", Array, false, Postfix, "operator[]"),
    op!(b"lS", Binary, false, Assign, "operator<<="),
    op!(b"le", Binary, false, Relational, "operator<="),
    op!(b"ls", Binary, false, Shift, "operator<<"),
    op!(b"lt", Binary, false, Relational, "operator<"),
    op!(b"mI", Binary, false, Assign, "operator-="),
    op!(b"mL", Binary, false, Assign, "operator*="),
    op!(b"mi", Binary, false, Additive, "operator-"),
    op!(b"ml", Binary, false, Multiplicative, "operator*"),
    op!(b"mm", Postfix, false, Postfix, "operator--"),
    op!(b"na", New, true, Unary, "operator new[]"),
    op!(b"ne", Binary, false, Equality, "operator!="),
    op!(b"ng", Prefix, false, Unary, "operator-"),
    op!(b"nt", Prefix, false, Unary, "operator!"),
    op!(b"nw", New, false, Unary, "operator new"),
    op!(b"oR", Binary, false, Assign, "operator|="),
    op!(b"oo", Binary, false, OrIf, "operator||"),
    op!(b"or", Binary, false, Ior, "operator|"),
    op!(b"pL", Binary, false, Assign, "operator+="),
    op!(b"pl", Binary, false, Additive, "operator+"),
    op!(b"pm", Member, false, PtrMem, "operator->*"),
    op!(b"pp", Postfix, false, Postfix, "operator++"),
    op!(b"ps", Prefix, false, Unary, "operator+"),
    op!(b"pt", Member, true, Postfix, "operator->"),
    op!(b"qu", Conditional, false, Conditional, "operator?"),
    op!(b"rM", Binary, false, Assign, "operator%="),
    op!(b"rS", Binary, false, Assign, "operator>>="),
    op!(b"rc", NamedCast, false, Postfix, "reinterpret_cast"),
    op!(b"rm", Binary, false, Multiplicative, "operator%"),
    op!(b"rs", Binary, false, Shift, "operator>>"),
    op!(b"sc", NamedCast, false, Postfix, "static_cast"),
    op!(b"ss", Binary, false, Spaceship, "operator<=>"),
    op!(b"st", OfIdOp, true, Unary, "sizeof "),
    op!(b"sz", OfIdOp, false, Unary, "sizeof "),
    op!(b"te", OfIdOp, false, Postfix, "typeid "),
    op!(b"ti", OfIdOp, true, Postfix, "typeid "),
];

//! `<expression>` and `<expr-primary>` (ABI section 5.1.6): what appears in template
//! arguments, `decltype`, array bounds and `requires` clauses.

use super::super::ast::{FloatKind, List, Node, NodeId, Prec};
use super::operators::OpKind;
use super::{Parser, P};

impl<'a> Parser<'a> {
    pub(super) fn constraint_expr(&mut self) -> P<NodeId> {
        let saved = std::mem::replace(&mut self.in_constraint_expr, true);
        let r = self.expr();
        self.in_constraint_expr = saved;
        r
    }

    pub(super) fn expr(&mut self) -> P<NodeId> {
        self.descend(|p| p.expr_inner())
    }

    pub(super) fn expr_list_until(&mut self, end: u8, braced: bool) -> P<List> {
        let begin = self.names.len();
        while !self.eat(end) {
            if self.left() == 0 {
                return None;
            }
            let e = if braced {
                self.braced_expr()?
            } else {
                self.expr()?
            };
            self.names.push(e);
        }
        self.pop_list(begin)
    }

    pub(super) fn expr_inner(&mut self) -> P<NodeId> {
        let global = self.eat_str("gs");
        let start = self.pos;
        if let Some(op) = self.operator_encoding() {
            let sym = op.symbol();
            let prec = op.prec;
            return match op.kind {
                OpKind::Binary => {
                    let lhs = self.expr()?;
                    let rhs = self.expr()?;
                    self.make_prec(Node::Binary { lhs, op: sym, rhs }, prec)
                }
                OpKind::Prefix => {
                    let child = self.expr()?;
                    self.make_prec(Node::Prefix { prefix: sym, child }, prec)
                }
                OpKind::Postfix => {
                    if self.eat(b'_') {
                        let child = self.expr()?;
                        return self.make_prec(Node::Prefix { prefix: sym, child }, prec);
                    }
                    let child = self.expr()?;
                    self.make_prec(Node::Postfix { child, op: sym }, prec)
                }
                OpKind::Array => {
                    let lhs = self.expr()?;
                    let index = self.expr()?;
                    self.make_prec(Node::ArraySubscript { lhs, index }, prec)
                }
                OpKind::Member => {
                    let lhs = self.expr()?;
                    let rhs = self.expr()?;
                    self.make_prec(
                        Node::Member {
                            lhs,
                            kind: sym,
                            rhs,
                        },
                        prec,
                    )
                }
                OpKind::New => {
                    let exprs = self.expr_list_until(b'_', false)?;
                    let ty = self.type_()?;
                    let have_inits = self.eat_str("pi");
                    let begin = self.names.len();
                    while !self.eat(b'E') {
                        if !have_inits || self.left() == 0 {
                            return None;
                        }
                        let e = self.expr()?;
                        self.names.push(e);
                    }
                    let inits = self.pop_list(begin)?;
                    self.make_prec(
                        Node::New {
                            exprs,
                            ty,
                            inits,
                            global,
                            array: op.flag,
                        },
                        prec,
                    )
                }
                OpKind::Del => {
                    let e = self.expr()?;
                    self.make_prec(
                        Node::Delete {
                            op: e,
                            global,
                            array: op.flag,
                        },
                        prec,
                    )
                }
                OpKind::Call => {
                    let callee = self.expr()?;
                    let args = self.expr_list_until(b'E', false)?;
                    self.make_prec(Node::Call { callee, args }, prec)
                }
                OpKind::CCast => {
                    let saved = std::mem::replace(&mut self.try_template_args, false);
                    let ty = self.type_();
                    self.try_template_args = saved;
                    let ty = ty?;
                    let begin = self.names.len();
                    let many = self.eat(b'_');
                    while !self.eat(b'E') {
                        if self.left() == 0 {
                            return None;
                        }
                        let e = self.expr()?;
                        self.names.push(e);
                        if !many {
                            break;
                        }
                    }
                    let exprs = self.pop_list(begin)?;
                    if !many && exprs.len != 1 {
                        return None;
                    }
                    self.make_prec(Node::Conversion { ty, exprs }, prec)
                }
                OpKind::Conditional => {
                    let cond = self.expr()?;
                    let then = self.expr()?;
                    let other = self.expr()?;
                    self.make_prec(Node::Conditional { cond, then, other }, prec)
                }
                OpKind::NamedCast => {
                    let to = self.type_()?;
                    let from = self.expr()?;
                    self.make_prec(
                        Node::Cast {
                            kind: sym,
                            to,
                            from,
                        },
                        prec,
                    )
                }
                OpKind::OfIdOp => {
                    let arg = if op.flag { self.type_()? } else { self.expr()? };
                    self.make_prec(
                        Node::Enclosing {
                            prefix: sym,
                            infix: arg,
                        },
                        prec,
                    )
                }
                OpKind::NameOnly => None,
            };
        }
        self.pos = start;
        if self.left() < 2 {
            return None;
        }
        match self.peek() {
            b'L' => return self.expr_primary(),
            b'T' => return self.template_param(),
            b'f' => {
                if self.peek_at(1) == b'p'
                    || (self.peek_at(1) == b'L' && self.peek_at(2).is_ascii_digit())
                {
                    return self.function_param();
                }
                return self.fold_expr();
            }
            _ => {}
        }
        if self.eat_str("il") {
            let inits = self.expr_list_until(b'E', true)?;
            return self.make(Node::InitList { ty: None, inits });
        }
        if self.eat_str("mc") {
            let ty = self.type_()?;
            let expr = self.expr()?;
            self.number(true);
            if !self.eat(b'E') {
                return None;
            }
            return self.make_prec(Node::PointerToMemberConversion { ty, expr }, Prec::Unary);
        }
        if self.eat_str("nx") {
            let e = self.expr()?;
            return self.make_prec(
                Node::Enclosing {
                    prefix: "noexcept ",
                    infix: e,
                },
                Prec::Unary,
            );
        }
        if self.peek() == b'r' && matches!(self.peek_at(1), b'q' | b'Q') {
            return self.requires_expr();
        }
        if self.eat_str("so") {
            return self.subobject_expr();
        }
        if self.eat_str("sp") {
            let child = self.expr()?;
            return self.make(Node::PackExpansion { child });
        }
        if self.eat_str("sZ") {
            if self.peek() == b'T' {
                let pack = self.template_param()?;
                return self.make(Node::SizeofParamPack { pack });
            }
            let fp = self.function_param()?;
            return self.make(Node::Enclosing {
                prefix: "sizeof... ",
                infix: fp,
            });
        }
        if self.eat_str("sP") {
            let begin = self.names.len();
            while !self.eat(b'E') {
                if self.left() == 0 {
                    return None;
                }
                let arg = self.template_arg()?;
                self.names.push(arg);
            }
            let list = self.pop_list(begin)?;
            let pack = self.make(Node::NodeArray { list })?;
            return self.make(Node::Enclosing {
                prefix: "sizeof... ",
                infix: pack,
            });
        }
        if self.eat_str("tl") {
            let ty = self.type_()?;
            let inits = self.expr_list_until(b'E', true)?;
            return self.make(Node::InitList {
                ty: Some(ty),
                inits,
            });
        }
        if self.eat_str("tr") {
            return self.name("throw");
        }
        if self.eat_str("tw") {
            let e = self.expr()?;
            return self.make(Node::Throw { op: e });
        }
        if self.eat(b'u') {
            let name = self.source_name()?;
            let is_uuidof = matches!(self.arena.get(name), Node::Name("__uuidof"));
            let begin = self.names.len();
            let mut uuid = false;
            if is_uuidof {
                if self.eat(b't') {
                    let t = self.type_()?;
                    self.names.push(t);
                    uuid = true;
                } else if self.eat(b'z') {
                    let e = self.expr()?;
                    self.names.push(e);
                    uuid = true;
                }
            }
            if !uuid {
                while !self.eat(b'E') {
                    if self.left() == 0 {
                        return None;
                    }
                    let arg = self.template_arg()?;
                    self.names.push(arg);
                }
            }
            let args = self.pop_list(begin)?;
            return self.make_prec(Node::Call { callee: name, args }, Prec::Postfix);
        }
        self.unresolved_name(global)
    }

    pub(super) fn function_param(&mut self) -> P<NodeId> {
        if self.eat_str("fpT") {
            return self.name("this");
        }
        if self.eat_str("fp") {
            self.cv_qualifiers();
            let number = self.number(false);
            if !self.eat(b'_') {
                return None;
            }
            return self.make(Node::FunctionParam { number });
        }
        if self.eat_str("fL") {
            if self.number(false).is_empty() || !self.eat(b'p') {
                return None;
            }
            self.cv_qualifiers();
            let number = self.number(false);
            if !self.eat(b'_') {
                return None;
            }
            return self.make(Node::FunctionParam { number });
        }
        None
    }

    pub(super) fn fold_expr(&mut self) -> P<NodeId> {
        if !self.eat(b'f') {
            return None;
        }
        let (left, has_init) = match self.peek() {
            b'L' => (true, true),
            b'R' => (false, true),
            b'l' => (true, false),
            b'r' => (false, false),
            _ => return None,
        };
        self.pos += 1;
        let op = self.operator_encoding()?;
        if !(op.kind == OpKind::Binary || (op.kind == OpKind::Member && op.name.ends_with('*'))) {
            return None;
        }
        let mut pack = self.expr()?;
        let mut init = None;
        if has_init {
            init = Some(self.expr()?);
        }
        if left {
            if let Some(i) = init {
                init = Some(pack);
                pack = i;
            }
        }
        self.make(Node::Fold {
            pack,
            init,
            op: op.symbol(),
            left,
        })
    }

    pub(super) fn subobject_expr(&mut self) -> P<NodeId> {
        let ty = self.type_()?;
        let expr = self.expr()?;
        let offset = self.number(true);
        while self.eat(b'_') {
            self.number(false);
        }
        self.eat(b'p');
        if !self.eat(b'E') {
            return None;
        }
        self.make(Node::Subobject { ty, expr, offset })
    }

    pub(super) fn requires_expr(&mut self) -> P<NodeId> {
        let mut params = List::default();
        if self.eat_str("rQ") {
            let begin = self.names.len();
            while !self.eat(b'_') {
                if self.left() == 0 {
                    return None;
                }
                let t = self.type_()?;
                self.names.push(t);
            }
            params = self.pop_list(begin)?;
        } else if !self.eat_str("rq") {
            return None;
        }
        let begin = self.names.len();
        loop {
            let constraint = if self.eat(b'X') {
                let expr = self.expr()?;
                let noexcept = self.eat(b'N');
                let mut constraint = None;
                if self.eat(b'R') {
                    constraint = Some(self.name_with_state(None)?);
                }
                self.make(Node::ExprRequirement {
                    expr,
                    noexcept,
                    constraint,
                })?
            } else if self.eat(b'T') {
                let ty = self.type_()?;
                self.make(Node::TypeRequirement { ty })?
            } else if self.eat(b'Q') {
                let c = self.expr()?;
                self.make(Node::NestedRequirement { constraint: c })?
            } else {
                return None;
            };
            self.names.push(constraint);
            if self.eat(b'E') {
                break;
            }
        }
        let requirements = self.pop_list(begin)?;
        self.make(Node::Requires {
            params,
            requirements,
        })
    }

    pub(super) fn integer_literal(&mut self, ty: &'static str) -> P<NodeId> {
        let value = self.number(true);
        if !value.is_empty() && self.eat(b'E') {
            return self.make(Node::IntegerLiteral { ty, value });
        }
        None
    }

    pub(super) fn float_literal(&mut self, kind: FloatKind) -> P<NodeId> {
        let n = match kind {
            FloatKind::Float => 8,
            FloatKind::Double => 16,
            FloatKind::LongDouble => 20,
        };
        if self.left() <= n {
            return None;
        }
        let contents = self.slice(self.pos, self.pos + n)?;
        if !contents
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        {
            return None;
        }
        self.pos += n;
        if !self.eat(b'E') {
            return None;
        }
        self.make(Node::FloatLiteral { kind, contents })
    }

    pub(super) fn expr_primary(&mut self) -> P<NodeId> {
        if !self.eat(b'L') {
            return None;
        }
        let c = self.peek();
        let simple = match c {
            b'w' => Some("wchar_t"),
            b'c' => Some("char"),
            b'a' => Some("signed char"),
            b'h' => Some("unsigned char"),
            b's' => Some("short"),
            b't' => Some("unsigned short"),
            b'i' => Some(""),
            b'j' => Some("u"),
            b'l' => Some("l"),
            b'm' => Some("ul"),
            b'x' => Some("ll"),
            b'y' => Some("ull"),
            b'n' => Some("__int128"),
            b'o' => Some("unsigned __int128"),
            _ => None,
        };
        if let Some(ty) = simple {
            self.pos += 1;
            return self.integer_literal(ty);
        }
        match c {
            b'b' => {
                if self.eat_str("b0E") {
                    return self.make(Node::Bool(false));
                }
                if self.eat_str("b1E") {
                    return self.make(Node::Bool(true));
                }
                None
            }
            b'f' | b'd' | b'e' => {
                self.pos += 1;
                let kind = match c {
                    b'f' => FloatKind::Float,
                    b'd' => FloatKind::Double,
                    _ => FloatKind::LongDouble,
                };
                self.float_literal(kind)
            }
            b'_' => {
                if self.eat_str("_Z") {
                    let enc = self.encoding()?;
                    if self.eat(b'E') {
                        return Some(enc);
                    }
                }
                None
            }
            b'A' => {
                let ty = self.type_()?;
                if self.eat(b'E') {
                    return self.make(Node::StringLiteral { ty });
                }
                None
            }
            b'D' => {
                if self.eat_str("Dn") {
                    self.eat(b'0');
                    if self.eat(b'E') {
                        return self.name("nullptr");
                    }
                }
                None
            }
            b'T' => None,
            b'U' => {
                if self.peek_at(1) != b'l' {
                    return None;
                }
                let ty = self.unnamed_type_name(None)?;
                if !self.eat(b'E') {
                    return None;
                }
                self.make(Node::Lambda { ty })
            }
            _ => {
                let ty = self.type_()?;
                let value = self.number(true);
                if value.is_empty() || !self.eat(b'E') {
                    return None;
                }
                self.make(Node::EnumLiteral { ty, value })
            }
        }
    }

    pub(super) fn braced_expr(&mut self) -> P<NodeId> {
        self.descend(|p| p.braced_expr_inner())
    }

    pub(super) fn braced_expr_inner(&mut self) -> P<NodeId> {
        if self.peek() == b'd' {
            match self.peek_at(1) {
                b'i' => {
                    self.pos += 2;
                    let field = self.source_name()?;
                    let init = self.braced_expr()?;
                    return self.make(Node::Braced {
                        elem: field,
                        init,
                        array: false,
                    });
                }
                b'x' => {
                    self.pos += 2;
                    let index = self.expr()?;
                    let init = self.braced_expr()?;
                    return self.make(Node::Braced {
                        elem: index,
                        init,
                        array: true,
                    });
                }
                b'X' => {
                    self.pos += 2;
                    let first = self.expr()?;
                    let last = self.expr()?;
                    let init = self.braced_expr()?;
                    return self.make(Node::BracedRange { first, last, init });
                }
                _ => {}
            }
        }
        self.expr()
    }

    pub(super) fn simple_id(&mut self) -> P<NodeId> {
        let name = self.source_name()?;
        if self.peek() == b'I' {
            let args = self.template_args(false)?;
            return self.make(Node::NameWithTemplateArgs { name, args });
        }
        Some(name)
    }

    pub(super) fn destructor_name(&mut self) -> P<NodeId> {
        let base = if self.peek().is_ascii_digit() {
            self.simple_id()?
        } else {
            self.unresolved_type()?
        };
        self.make(Node::Dtor { base })
    }

    pub(super) fn unresolved_type(&mut self) -> P<NodeId> {
        if self.peek() == b'T' {
            let t = self.template_param()?;
            self.subs.push(t);
            return Some(t);
        }
        if self.peek() == b'D' {
            let t = self.decltype()?;
            self.subs.push(t);
            return Some(t);
        }
        self.substitution()
    }

    pub(super) fn base_unresolved_name(&mut self) -> P<NodeId> {
        if self.peek().is_ascii_digit() {
            return self.simple_id();
        }
        if self.eat_str("dn") {
            return self.destructor_name();
        }
        self.eat_str("on");
        let op = self.operator_name(None)?;
        if self.peek() == b'I' {
            let args = self.template_args(false)?;
            return self.make(Node::NameWithTemplateArgs { name: op, args });
        }
        Some(op)
    }

    pub(super) fn unresolved_name(&mut self, global: bool) -> P<NodeId> {
        if self.eat_str("srN") {
            let mut so_far = self.unresolved_type()?;
            if self.peek() == b'I' {
                let args = self.template_args(false)?;
                so_far = self.make(Node::NameWithTemplateArgs { name: so_far, args })?;
            }
            while !self.eat(b'E') {
                let qual = self.simple_id()?;
                so_far = self.make(Node::Qualified {
                    qualifier: so_far,
                    name: qual,
                })?;
            }
            let base = self.base_unresolved_name()?;
            return self.make(Node::Qualified {
                qualifier: so_far,
                name: base,
            });
        }
        if !self.eat_str("sr") {
            let base = self.base_unresolved_name()?;
            if global {
                return self.make(Node::GlobalQualified { child: base });
            }
            return Some(base);
        }
        let mut so_far;
        if self.peek().is_ascii_digit() {
            let mut acc: Option<NodeId> = None;
            loop {
                let qual = self.simple_id()?;
                acc = Some(match acc {
                    Some(s) => self.make(Node::Qualified {
                        qualifier: s,
                        name: qual,
                    })?,
                    None if global => self.make(Node::GlobalQualified { child: qual })?,
                    None => qual,
                });
                if self.eat(b'E') {
                    break;
                }
            }
            so_far = acc?;
        } else {
            so_far = self.unresolved_type()?;
            if self.peek() == b'I' {
                let args = self.template_args(false)?;
                so_far = self.make(Node::NameWithTemplateArgs { name: so_far, args })?;
            }
        }
        let base = self.base_unresolved_name()?;
        self.make(Node::Qualified {
            qualifier: so_far,
            name: base,
        })
    }
}

//! `<type>`: builtin, qualified, function, array, vector, pointer-to-member, class and enum
//! types, `decltype`, pack expansions (ABI section 5.1.5).

use super::super::ast::{Node, NodeId, RefQual};
use super::{Parser, P};

impl<'a> Parser<'a> {
    pub(super) fn type_(&mut self) -> P<NodeId> {
        self.descend(|p| p.type_inner())
    }

    pub(super) fn builtin(&mut self, len: usize, name: &'static str) -> P<NodeId> {
        self.pos += len;
        self.name(name)
    }

    pub(super) fn type_inner(&mut self) -> P<NodeId> {
        let result = match self.peek() {
            b'r' | b'V' | b'K' => {
                let mut after = 0;
                for q in [b'r', b'V', b'K'] {
                    if self.peek_at(after) == q {
                        after += 1;
                    }
                }
                let c = self.peek_at(after);
                if c == b'F'
                    || (c == b'D' && matches!(self.peek_at(after + 1), b'o' | b'O' | b'w' | b'x'))
                {
                    self.function_type()?
                } else {
                    self.qualified_type()?
                }
            }
            b'U' => self.qualified_type()?,
            b'v' => return self.builtin(1, "void"),
            b'w' => return self.builtin(1, "wchar_t"),
            b'b' => return self.builtin(1, "bool"),
            b'c' => return self.builtin(1, "char"),
            b'a' => return self.builtin(1, "signed char"),
            b'h' => return self.builtin(1, "unsigned char"),
            b's' => return self.builtin(1, "short"),
            b't' => return self.builtin(1, "unsigned short"),
            b'i' => return self.builtin(1, "int"),
            b'j' => return self.builtin(1, "unsigned int"),
            b'l' => return self.builtin(1, "long"),
            b'm' => return self.builtin(1, "unsigned long"),
            b'x' => return self.builtin(1, "long long"),
            b'y' => return self.builtin(1, "unsigned long long"),
            b'n' => return self.builtin(1, "__int128"),
            b'o' => return self.builtin(1, "unsigned __int128"),
            b'f' => return self.builtin(1, "float"),
            b'd' => return self.builtin(1, "double"),
            b'e' => return self.builtin(1, "long double"),
            b'g' => return self.builtin(1, "__float128"),
            b'z' => return self.builtin(1, "..."),
            b'u' => {
                self.pos += 1;
                let name = self.bare_source_name()?;
                if name.is_empty() {
                    return None;
                }
                if self.eat(b'I') {
                    let base = self.type_()?;
                    if !self.eat(b'E') {
                        return None;
                    }
                    self.make(Node::Transformed {
                        transform: name,
                        base,
                    })?
                } else {
                    self.name(name)?
                }
            }
            b'D' => match self.peek_at(1) {
                b'd' => return self.builtin(2, "decimal64"),
                b'e' => return self.builtin(2, "decimal128"),
                b'f' => return self.builtin(2, "decimal32"),
                b'h' => return self.builtin(2, "half"),
                b'i' => return self.builtin(2, "char32_t"),
                b's' => return self.builtin(2, "char16_t"),
                b'u' => return self.builtin(2, "char8_t"),
                b'a' => return self.builtin(2, "auto"),
                b'c' => return self.builtin(2, "decltype(auto)"),
                b'n' => return self.builtin(2, "std::nullptr_t"),
                b'F' => {
                    self.pos += 2;
                    let digits = self.number(false);
                    let dimension = self.name(digits)?;
                    if !self.eat(b'_') {
                        return None;
                    }
                    return self.make(Node::BinaryFp { dimension });
                }
                c @ (b'B' | b'U') => {
                    self.pos += 2;
                    let size = if self.peek().is_ascii_digit() {
                        let digits = self.number(false);
                        self.name(digits)?
                    } else {
                        self.expr()?
                    };
                    if !self.eat(b'_') {
                        return None;
                    }
                    return self.make(Node::BitInt {
                        size,
                        signed: c == b'B',
                    });
                }
                c @ (b'k' | b'K') => {
                    self.pos += 2;
                    let constraint = self.name_with_state(None)?;
                    let postfix = if c == b'k' {
                        " auto"
                    } else {
                        " decltype(auto)"
                    };
                    return self.make(Node::PostfixQualified {
                        ty: constraint,
                        postfix,
                    });
                }
                b't' | b'T' => self.decltype()?,
                b'v' => self.vector_type()?,
                b'p' => {
                    self.pos += 2;
                    let child = self.type_()?;
                    self.make(Node::PackExpansion { child })?
                }
                b'o' | b'O' | b'w' | b'x' => self.function_type()?,
                _ => return None,
            },
            b'F' => self.function_type()?,
            b'A' => self.array_type()?,
            b'M' => {
                self.pos += 1;
                let class = self.type_()?;
                let member = self.type_()?;
                self.make(Node::PointerToMember { class, member })?
            }
            b'T' => {
                if matches!(self.peek_at(1), b's' | b'u' | b'e') {
                    self.class_enum_type()?
                } else {
                    let mut r = self.template_param()?;
                    if self.try_template_args && self.peek() == b'I' {
                        let args = self.template_args(false)?;
                        r = self.make(Node::NameWithTemplateArgs { name: r, args })?;
                    }
                    r
                }
            }
            b'P' => {
                self.pos += 1;
                let pointee = self.type_()?;
                self.make(Node::Pointer { pointee })?
            }
            c @ (b'R' | b'O') => {
                self.pos += 1;
                let pointee = self.type_()?;
                self.make(Node::Reference {
                    pointee,
                    rvalue: c == b'O',
                })?
            }
            c @ (b'C' | b'G') => {
                self.pos += 1;
                let ty = self.type_()?;
                let postfix = if c == b'C' { " complex" } else { " imaginary" };
                self.make(Node::PostfixQualified { ty, postfix })?
            }
            b'S' if self.peek_at(1) != b't' => {
                let mut is_subst = false;
                let r = self.unscoped_name(None, &mut is_subst)?;
                if self.peek() == b'I' && (!is_subst || self.try_template_args) {
                    if !is_subst {
                        self.subs.push(r);
                    }
                    let args = self.template_args(false)?;
                    self.make(Node::NameWithTemplateArgs { name: r, args })?
                } else if is_subst {
                    return Some(r);
                } else {
                    r
                }
            }
            0 => return None,
            _ => self.class_enum_type()?,
        };
        self.subs.push(result);
        Some(result)
    }

    pub(super) fn qualified_type(&mut self) -> P<NodeId> {
        self.descend(|p| p.qualified_type_inner())
    }

    pub(super) fn qualified_type_inner(&mut self) -> P<NodeId> {
        if self.eat(b'U') {
            let qual = self.bare_source_name()?;
            if qual.is_empty() {
                return None;
            }
            if let Some(proto_source) = qual.strip_prefix("objcproto") {
                let protocol = parse_bare_source_name(proto_source)?;
                let child = self.qualified_type()?;
                return self.make(Node::ObjCProto {
                    ty: child,
                    protocol,
                });
            }
            let mut args = None;
            if self.peek() == b'I' {
                args = Some(self.template_args(false)?);
            }
            let child = self.qualified_type()?;
            return self.make(Node::VendorExtQual {
                ty: child,
                ext: qual,
                args,
            });
        }
        let quals = self.cv_qualifiers();
        let ty = self.type_()?;
        if quals != 0 {
            return self.make(Node::Qual { child: ty, quals });
        }
        Some(ty)
    }

    pub(super) fn function_type(&mut self) -> P<NodeId> {
        let quals = self.cv_qualifiers();
        let mut exception = None;
        if self.eat_str("Do") {
            exception = Some(self.name("noexcept")?);
        } else if self.eat_str("DO") {
            let e = self.expr()?;
            if !self.eat(b'E') {
                return None;
            }
            exception = Some(self.make(Node::NoexceptSpec { expr: e })?);
        } else if self.eat_str("Dw") {
            let begin = self.names.len();
            while !self.eat(b'E') {
                let t = self.type_()?;
                self.names.push(t);
            }
            let types = self.pop_list(begin)?;
            exception = Some(self.make(Node::DynamicExceptionSpec { types })?);
        }
        self.eat_str("Dx");
        if !self.eat(b'F') {
            return None;
        }
        self.eat(b'Y');
        let ret = self.type_()?;
        let mut ref_qual = RefQual::None;
        let begin = self.names.len();
        loop {
            if self.eat(b'E') {
                break;
            }
            if self.eat(b'v') {
                continue;
            }
            if self.eat_str("RE") {
                ref_qual = RefQual::LValue;
                break;
            }
            if self.eat_str("OE") {
                ref_qual = RefQual::RValue;
                break;
            }
            let t = self.type_()?;
            self.names.push(t);
        }
        let params = self.pop_list(begin)?;
        self.make(Node::Function {
            ret,
            params,
            quals,
            ref_qual,
            exception,
        })
    }

    pub(super) fn vector_type(&mut self) -> P<NodeId> {
        if !self.eat_str("Dv") {
            return None;
        }
        if matches!(self.peek(), b'1'..=b'9') {
            let digits = self.number(false);
            let dimension = self.name(digits)?;
            if !self.eat(b'_') {
                return None;
            }
            if self.eat(b'p') {
                return self.make(Node::PixelVector { dimension });
            }
            let base = self.type_()?;
            return self.make(Node::Vector {
                base,
                dimension: Some(dimension),
            });
        }
        if !self.eat(b'_') {
            let dimension = self.expr()?;
            if !self.eat(b'_') {
                return None;
            }
            let base = self.type_()?;
            return self.make(Node::Vector {
                base,
                dimension: Some(dimension),
            });
        }
        let base = self.type_()?;
        self.make(Node::Vector {
            base,
            dimension: None,
        })
    }

    pub(super) fn decltype(&mut self) -> P<NodeId> {
        if !self.eat(b'D') {
            return None;
        }
        if !self.eat(b't') && !self.eat(b'T') {
            return None;
        }
        let e = self.expr()?;
        if !self.eat(b'E') {
            return None;
        }
        self.make(Node::Enclosing {
            prefix: "decltype",
            infix: e,
        })
    }

    pub(super) fn array_type(&mut self) -> P<NodeId> {
        if !self.eat(b'A') {
            return None;
        }
        let mut dimension = None;
        if self.peek().is_ascii_digit() {
            let digits = self.number(false);
            dimension = Some(self.name(digits)?);
            if !self.eat(b'_') {
                return None;
            }
        } else if !self.eat(b'_') {
            dimension = Some(self.expr()?);
            if !self.eat(b'_') {
                return None;
            }
        }
        let base = self.type_()?;
        self.make(Node::Array { base, dimension })
    }

    pub(super) fn class_enum_type(&mut self) -> P<NodeId> {
        let kind = if self.eat_str("Ts") {
            Some("struct")
        } else if self.eat_str("Tu") {
            Some("union")
        } else if self.eat_str("Te") {
            Some("enum")
        } else {
            None
        };
        let name = self.name_with_state(None)?;
        match kind {
            Some(kind) => self.make(Node::Elaborated { kind, child: name }),
            None => Some(name),
        }
    }
}

/// `<length><name>` inside an `objcproto` qualifier.
fn parse_bare_source_name(s: &str) -> Option<&str> {
    let digits = s.bytes().take_while(|b| b.is_ascii_digit()).count();
    let len: usize = s.get(..digits)?.parse().ok()?;
    s.get(digits..digits.checked_add(len)?)
}

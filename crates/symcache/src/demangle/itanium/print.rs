//! Prints a parsed name the way LLVM's demangler does (llvm-cxxfilt, llvm-symbolizer), minus
//! the return types of functions.
//!
//! A C++ declarator wraps around its name (`void (*f)(int)`), so every node prints in two
//! halves: `left` before the name and `right` after it. Template argument lists turn a bare
//! `>` inside an expression into `(>)` so that it does not close the list. Work is bounded:
//! output by the caller's cap, recursion by [`MAX_DEPTH`], and total steps by [`MAX_STEPS`]
//! (packs and substitutions can make a short name print a lot).

use super::ast::{
    Arena, Cache, FloatKind, List, Node, NodeId, Prec, RefQual, SpecialSub, TemplateParamKind,
};
use super::ast::{QUAL_CONST, QUAL_RESTRICT, QUAL_VOLATILE};

const MAX_DEPTH: u32 = 256;
const MAX_STEPS: u32 = 1 << 20;
const NO_PACK: u32 = u32::MAX;

#[derive(Clone, Copy)]
enum Shape {
    RightSide,
    Array,
    Function,
}

/// Printing stopped: the output, the depth or the step budget ran out.
pub struct Exhausted;

type Res = Result<(), Exhausted>;

pub struct Printer<'n, 'a> {
    arena: &'n Arena<'a>,
    pub out: String,
    max_len: usize,
    /// 0 while inside template arguments: a `>` there must be parenthesized.
    gt_is_gt: u32,
    pack_index: u32,
    pack_max: u32,
    /// Nodes being printed that must not recurse into themselves (references, forward
    /// template references): a cycle prints nothing instead of looping.
    active: Vec<bool>,
    depth: u32,
    steps: u32,
}

impl<'n, 'a> Printer<'n, 'a> {
    pub fn new(arena: &'n Arena<'a>, max_len: usize) -> Self {
        Printer {
            arena,
            out: String::new(),
            max_len,
            gt_is_gt: 1,
            pack_index: NO_PACK,
            pack_max: NO_PACK,
            active: vec![false; arena.nodes.len()],
            depth: 0,
            steps: 0,
        }
    }

    fn push(&mut self, s: &str) -> Res {
        if self.out.len() + s.len() > self.max_len {
            return Err(Exhausted);
        }
        self.out.push_str(s);
        Ok(())
    }

    fn open(&mut self, c: &str) -> Res {
        self.gt_is_gt += 1;
        self.push(c)
    }

    fn close(&mut self, c: &str) -> Res {
        self.gt_is_gt = self.gt_is_gt.saturating_sub(1);
        self.push(c)
    }

    fn enter(&mut self) -> Res {
        self.depth += 1;
        self.steps += 1;
        if self.depth > MAX_DEPTH || self.steps > MAX_STEPS {
            return Err(Exhausted);
        }
        Ok(())
    }

    fn node(&self, id: NodeId) -> &'n Node<'a> {
        self.arena.get(id)
    }

    fn init_pack(&mut self, data: List) {
        if self.pack_max == NO_PACK {
            self.pack_max = data.len;
            self.pack_index = 0;
        }
    }

    /// The pack element selected by the expansion being printed, if any.
    fn pack_element(&mut self, data: List) -> Option<NodeId> {
        self.init_pack(data);
        self.arena.list(data).get(self.pack_index as usize).copied()
    }

    fn guarded<T>(
        &mut self,
        id: NodeId,
        when_active: T,
        f: impl FnOnce(&mut Self) -> Result<T, Exhausted>,
    ) -> Result<T, Exhausted> {
        let i = id.0 as usize;
        if self.active[i] {
            return Ok(when_active);
        }
        self.active[i] = true;
        let r = f(self);
        self.active[i] = false;
        r
    }

    /// Whether a node prints a right-hand part, holds an array, or holds a function: what
    /// decides `(*)` around a declarator and a space before a name.
    fn has(&mut self, id: NodeId, what: Shape) -> Result<bool, Exhausted> {
        let slot = self.arena.slot(id);
        let cached = match what {
            Shape::RightSide => slot.rhs,
            Shape::Array => slot.array,
            Shape::Function => slot.function,
        };
        match cached {
            Cache::Yes => return Ok(true),
            Cache::No => return Ok(false),
            Cache::Unknown => {}
        }
        self.enter()?;
        let r = match (self.node(id), what) {
            (&Node::Pointer { pointee } | &Node::Reference { pointee, .. }, Shape::RightSide) => {
                self.has(pointee, what)
            }
            (&Node::PointerToMember { member, .. }, Shape::RightSide) => self.has(member, what),
            (&Node::Qual { child, .. }, _) => self.has(child, what),
            (Node::Array { .. }, Shape::RightSide | Shape::Array) => Ok(true),
            (Node::Function { .. } | Node::Encoding { .. }, Shape::RightSide | Shape::Function) => {
                Ok(true)
            }
            (&Node::ParameterPack { data }, _) => match self.pack_element(data) {
                Some(e) => self.has(e, what),
                None => Ok(false),
            },
            (
                &Node::ForwardRef {
                    target: Some(t), ..
                },
                _,
            ) => self.guarded(id, false, |p| p.has(t, what)),
            _ => Ok(false),
        };
        self.depth -= 1;
        r
    }

    /// What a node stands for once packs and forward references are looked through (used to
    /// collapse `T&&` with `T = U&` into `U&`).
    fn syntax_node(&mut self, id: NodeId) -> Result<NodeId, Exhausted> {
        self.enter()?;
        let r = match *self.node(id) {
            Node::ParameterPack { data } => match self.pack_element(data) {
                Some(e) => self.syntax_node(e),
                None => Ok(id),
            },
            Node::ForwardRef {
                target: Some(t), ..
            } => self.guarded(id, id, |p| p.syntax_node(t)),
            _ => Ok(id),
        };
        self.depth -= 1;
        r
    }

    pub fn print(&mut self, id: NodeId) -> Res {
        self.left(id)?;
        if self.arena.slot(id).rhs != Cache::No {
            self.right(id)?;
        }
        Ok(())
    }

    fn print_operand(&mut self, id: NodeId, context: Prec, strictly_worse: bool) -> Res {
        let prec = self.arena.slot(id).prec as u32;
        let paren = prec >= context as u32 + strictly_worse as u32;
        if paren {
            self.open("(")?;
        }
        self.print(id)?;
        if paren {
            self.close(")")?;
        }
        Ok(())
    }

    /// Elements separated by `, `; an element that prints nothing (an empty pack) leaves no
    /// separator behind.
    fn print_list(&mut self, list: List) -> Res {
        let mut first = true;
        for &id in self.arena.list(list) {
            let before = self.out.len();
            if !first {
                self.push(", ")?;
            }
            let after = self.out.len();
            self.print_operand(id, Prec::Comma, false)?;
            if self.out.len() == after {
                self.out.truncate(before);
                continue;
            }
            first = false;
        }
        Ok(())
    }

    fn quals(&mut self, quals: u8) -> Res {
        if quals & QUAL_CONST != 0 {
            self.push(" const")?;
        }
        if quals & QUAL_VOLATILE != 0 {
            self.push(" volatile")?;
        }
        if quals & QUAL_RESTRICT != 0 {
            self.push(" restrict")?;
        }
        Ok(())
    }

    fn ref_qual(&mut self, q: RefQual) -> Res {
        match q {
            RefQual::None => Ok(()),
            RefQual::LValue => self.push(" &"),
            RefQual::RValue => self.push(" &&"),
        }
    }

    fn template_list(&mut self, list: List) -> Res {
        let saved = std::mem::replace(&mut self.gt_is_gt, 0);
        self.push("<")?;
        self.print_list(list)?;
        self.push(">")?;
        self.gt_is_gt = saved;
        Ok(())
    }

    /// The last component's name, as a constructor or destructor prints it.
    fn base_name(&mut self, id: NodeId) -> Result<&'a str, Exhausted> {
        self.enter()?;
        let r = match *self.node(id) {
            Node::Name(n) => Ok(n),
            Node::AbiTag { base, .. } => self.base_name(base),
            Node::Nested { name, .. }
            | Node::MemberLikeFriend { name, .. }
            | Node::ModuleEntity { name, .. }
            | Node::Qualified { name, .. }
            | Node::NameWithTemplateArgs { name, .. } => self.base_name(name),
            Node::GlobalQualified { child } => self.base_name(child),
            Node::SpecialSubstitution { kind, expanded } => Ok(special_base_name(kind, expanded)),
            _ => Ok(""),
        };
        self.depth -= 1;
        r
    }

    fn pointer_like_left(&mut self, pointee: NodeId, sigil: &str) -> Res {
        self.left(pointee)?;
        let array = self.has(pointee, Shape::Array)?;
        if array {
            self.push(" ")?;
        }
        if array || self.has(pointee, Shape::Function)? {
            self.push("(")?;
        }
        self.push(sigil)
    }

    fn pointer_like_right(&mut self, pointee: NodeId) -> Res {
        if self.has(pointee, Shape::Array)? || self.has(pointee, Shape::Function)? {
            self.push(")")?;
        }
        self.right(pointee)
    }

    /// `T& &&` collapses to `T&`, `T&& &&` to `T&&` (C++ [dcl.ref]/6); `None` when the chain
    /// loops back on itself.
    fn collapse(
        &mut self,
        pointee: NodeId,
        rvalue: bool,
    ) -> Result<Option<(NodeId, bool)>, Exhausted> {
        let (mut target, mut rv) = (pointee, rvalue);
        let mut seen: Vec<NodeId> = Vec::new();
        loop {
            let sn = self.syntax_node(target)?;
            match *self.node(sn) {
                Node::Reference { pointee, rvalue } => {
                    target = pointee;
                    rv = rv && rvalue;
                    seen.push(target);
                    if seen.len() > 1 && seen[(seen.len() - 1) / 2] == target {
                        return Ok(None);
                    }
                    if seen.len() > MAX_DEPTH as usize {
                        return Err(Exhausted);
                    }
                }
                _ => return Ok(Some((target, rv))),
            }
        }
    }

    fn is_objc_object(&self, id: NodeId) -> bool {
        match *self.node(id) {
            Node::ObjCProto { ty, .. } => matches!(*self.node(ty), Node::Name("objc_object")),
            _ => false,
        }
    }

    fn left(&mut self, id: NodeId) -> Res {
        self.enter()?;
        self.left_inner(id)?;
        self.depth -= 1;
        Ok(())
    }

    fn right(&mut self, id: NodeId) -> Res {
        self.enter()?;
        self.right_inner(id)?;
        self.depth -= 1;
        Ok(())
    }

    fn left_inner(&mut self, id: NodeId) -> Res {
        match *self.node(id) {
            Node::Name(n) => self.push(n),
            Node::DotSuffix { prefix, suffix } => {
                self.print(prefix)?;
                self.push(" (")?;
                self.push(suffix)?;
                self.push(")")
            }
            Node::VendorExtQual { ty, ext, args } => {
                self.print(ty)?;
                self.push(" ")?;
                self.push(ext)?;
                if let Some(a) = args {
                    self.print(a)?;
                }
                Ok(())
            }
            Node::Qual { child, quals } => {
                self.left(child)?;
                self.quals(quals)
            }
            Node::ConversionOperator { ty } => {
                self.push("operator ")?;
                self.print(ty)
            }
            Node::PostfixQualified { ty, postfix } => {
                self.left(ty)?;
                self.push(postfix)
            }
            Node::BitInt { size, signed } => {
                if !signed {
                    self.push("unsigned ")?;
                }
                self.push("_BitInt")?;
                self.open("(")?;
                self.print_operand(size, Prec::Default, false)?;
                self.close(")")
            }
            Node::Elaborated { kind, child } => {
                self.push(kind)?;
                self.push(" ")?;
                self.print(child)
            }
            Node::Transformed { transform, base } => {
                self.push(transform)?;
                self.push("(")?;
                self.print(base)?;
                self.push(")")
            }
            Node::AbiTag { base, tag } => {
                self.left(base)?;
                self.push("[abi:")?;
                self.push(tag)?;
                self.push("]")
            }
            Node::EnableIf { conditions } => {
                self.push(" [enable_if:")?;
                self.print_list(conditions)?;
                self.push("]")
            }
            Node::ObjCProto { ty, protocol } => {
                self.print(ty)?;
                self.push("<")?;
                self.push(protocol)?;
                self.push(">")
            }
            Node::Pointer { pointee } => {
                if self.is_objc_object(pointee) {
                    if let Node::ObjCProto { protocol, .. } = *self.node(pointee) {
                        self.push("id<")?;
                        self.push(protocol)?;
                        self.push(">")?;
                    }
                    Ok(())
                } else {
                    self.pointer_like_left(pointee, "*")
                }
            }
            Node::Reference { pointee, rvalue } => self.guarded(id, (), |p| {
                if let Some((target, rv)) = p.collapse(pointee, rvalue)? {
                    p.pointer_like_left(target, if rv { "&&" } else { "&" })?;
                }
                Ok(())
            }),
            Node::PointerToMember { class, member } => {
                self.left(member)?;
                if self.has(member, Shape::Array)? || self.has(member, Shape::Function)? {
                    self.push("(")?;
                } else {
                    self.push(" ")?;
                }
                self.print(class)?;
                self.push("::*")
            }
            Node::Array { base, .. } => self.left(base),
            Node::Function { ret, .. } => {
                self.left(ret)?;
                self.push(" ")
            }
            Node::NoexceptSpec { expr } => {
                self.push("noexcept")?;
                self.open("(")?;
                self.print_operand(expr, Prec::Default, false)?;
                self.close(")")
            }
            Node::DynamicExceptionSpec { types } => {
                self.push("throw")?;
                self.open("(")?;
                self.print_list(types)?;
                self.close(")")
            }
            Node::ExplicitObjectParameter { base } => {
                self.push("this ")?;
                self.print(base)
            }
            Node::Encoding { name, .. } => self.print(name),
            Node::LiteralOperator { name } => {
                self.push("operator\"\" ")?;
                self.print(name)
            }
            Node::Special { prefix, child } => {
                self.push(prefix)?;
                self.print(child)
            }
            Node::CtorVtable { first, second } => {
                self.push("construction vtable for ")?;
                self.print(first)?;
                self.push("-in-")?;
                self.print(second)
            }
            Node::Nested { qual, name }
            | Node::Qualified {
                qualifier: qual,
                name,
            } => {
                self.print(qual)?;
                self.push("::")?;
                self.print(name)
            }
            Node::MemberLikeFriend { qual, name } => {
                self.print(qual)?;
                self.push("::friend ")?;
                self.print(name)
            }
            Node::Module {
                parent,
                name,
                partition,
            } => {
                if let Some(p) = parent {
                    self.print(p)?;
                }
                if parent.is_some() || partition {
                    self.push(if partition { ":" } else { "." })?;
                }
                self.print(name)
            }
            Node::ModuleEntity { module, name } => {
                self.print(name)?;
                self.push("@")?;
                self.print(module)
            }
            Node::Local { encoding, entity } => {
                self.print(encoding)?;
                self.push("::")?;
                self.print(entity)
            }
            Node::Vector { base, dimension } => {
                self.print(base)?;
                self.push(" vector[")?;
                if let Some(d) = dimension {
                    self.print(d)?;
                }
                self.push("]")
            }
            Node::PixelVector { dimension } => {
                self.push("pixel vector[")?;
                self.print(dimension)?;
                self.push("]")
            }
            Node::BinaryFp { dimension } => {
                self.push("_Float")?;
                self.print(dimension)
            }
            Node::SyntheticTemplateParam { kind, index } => {
                self.push(match kind {
                    TemplateParamKind::Type => "$T",
                    TemplateParamKind::NonType => "$N",
                    TemplateParamKind::Template => "$TT",
                })?;
                if index > 0 {
                    self.push(&(index - 1).to_string())?;
                }
                Ok(())
            }
            Node::TemplateParamQualifiedArg { arg } => self.print(arg),
            Node::TypeTemplateParamDecl { .. } => self.push("typename "),
            Node::ConstrainedTypeTemplateParamDecl { constraint, .. } => {
                self.print(constraint)?;
                self.push(" ")
            }
            Node::NonTypeTemplateParamDecl { ty, .. } => {
                self.left(ty)?;
                if !self.has(ty, Shape::RightSide)? {
                    self.push(" ")?;
                }
                Ok(())
            }
            Node::TemplateTemplateParamDecl { params, .. } => {
                let saved = std::mem::replace(&mut self.gt_is_gt, 0);
                self.push("template<")?;
                self.print_list(params)?;
                self.push("> typename ")?;
                self.gt_is_gt = saved;
                Ok(())
            }
            Node::TemplateParamPackDecl { param } => {
                self.left(param)?;
                self.push("...")
            }
            Node::ParameterPack { data } => match self.pack_element(data) {
                Some(e) => self.left(e),
                None => Ok(()),
            },
            Node::TemplateArgumentPack { elements } => self.print_list(elements),
            Node::PackExpansion { child } => self.pack_expansion(child),
            Node::TemplateArgs { params, .. } => self.template_list(params),
            Node::ForwardRef {
                target: Some(t), ..
            } => self.guarded(id, (), |p| p.left(t)),
            Node::ForwardRef { target: None, .. } => Ok(()),
            Node::NameWithTemplateArgs { name, args } => {
                self.print(name)?;
                self.print(args)
            }
            Node::GlobalQualified { child } => {
                self.push("::")?;
                self.print(child)
            }
            Node::SpecialSubstitution { kind, expanded } => {
                self.push("std::")?;
                self.push(special_base_name(kind, expanded))?;
                if expanded
                    && matches!(
                        kind,
                        SpecialSub::String
                            | SpecialSub::IStream
                            | SpecialSub::OStream
                            | SpecialSub::IOStream
                    )
                {
                    self.push("<char, std::char_traits<char>")?;
                    if kind == SpecialSub::String {
                        self.push(", std::allocator<char>")?;
                    }
                    self.push(">")?;
                }
                Ok(())
            }
            Node::CtorDtor { base, dtor } => {
                if dtor {
                    self.push("~")?;
                }
                let name = self.base_name(base)?;
                self.push(name)
            }
            Node::Dtor { base } => {
                self.push("~")?;
                self.left(base)
            }
            Node::Unnamed { count } => {
                self.push("'unnamed")?;
                self.push(count)?;
                self.push("'")
            }
            Node::Closure { count, .. } => {
                self.push("'lambda")?;
                self.push(count)?;
                self.push("'")?;
                self.closure_declarator(id)
            }
            Node::StructuredBinding { bindings } => {
                self.open("[")?;
                self.print_list(bindings)?;
                self.close("]")
            }
            Node::Binary { lhs, op, rhs } => {
                let prec = self.arena.slot(id).prec;
                let paren_all = self.gt_is_gt == 0 && (op == ">" || op == ">>");
                if paren_all {
                    self.open("(")?;
                }
                let assign = prec == Prec::Assign;
                self.print_operand(lhs, if assign { Prec::OrIf } else { prec }, !assign)?;
                if op != "," {
                    self.push(" ")?;
                }
                self.push(op)?;
                self.push(" ")?;
                self.print_operand(rhs, prec, assign)?;
                if paren_all {
                    self.close(")")?;
                }
                Ok(())
            }
            Node::ArraySubscript { lhs, index } => {
                let prec = self.arena.slot(id).prec;
                self.print_operand(lhs, prec, false)?;
                self.open("[")?;
                self.print_operand(index, Prec::Default, false)?;
                self.close("]")
            }
            Node::Postfix { child, op } => {
                let prec = self.arena.slot(id).prec;
                self.print_operand(child, prec, true)?;
                self.push(op)
            }
            Node::Conditional { cond, then, other } => {
                let prec = self.arena.slot(id).prec;
                self.print_operand(cond, prec, false)?;
                self.push(" ? ")?;
                self.print_operand(then, Prec::Default, false)?;
                self.push(" : ")?;
                self.print_operand(other, Prec::Assign, true)
            }
            Node::Member { lhs, kind, rhs } => {
                let prec = self.arena.slot(id).prec;
                self.print_operand(lhs, prec, true)?;
                self.push(kind)?;
                self.print_operand(rhs, prec, false)
            }
            Node::Subobject { ty, expr, offset } => {
                self.print(expr)?;
                self.push(".<")?;
                self.print(ty)?;
                self.push(" at offset ")?;
                if offset.is_empty() {
                    self.push("0")?;
                } else if let Some(neg) = offset.strip_prefix('n') {
                    self.push("-")?;
                    self.push(neg)?;
                } else {
                    self.push(offset)?;
                }
                self.push(">")
            }
            Node::Enclosing { prefix, infix } => {
                self.push(prefix)?;
                self.open("(")?;
                self.print(infix)?;
                self.close(")")
            }
            Node::Cast { kind, to, from } => {
                self.push(kind)?;
                let saved = std::mem::replace(&mut self.gt_is_gt, 0);
                self.push("<")?;
                self.left(to)?;
                self.push(">")?;
                self.gt_is_gt = saved;
                self.open("(")?;
                self.print_operand(from, Prec::Default, false)?;
                self.close(")")
            }
            Node::SizeofParamPack { pack } => {
                self.push("sizeof...")?;
                self.open("(")?;
                self.pack_expansion(pack)?;
                self.close(")")
            }
            Node::Call { callee, args } => {
                self.print(callee)?;
                self.open("(")?;
                self.print_list(args)?;
                self.close(")")
            }
            Node::New {
                exprs,
                ty,
                inits,
                global,
                array,
            } => {
                if global {
                    self.push("::")?;
                }
                self.push("new")?;
                if array {
                    self.push("[]")?;
                }
                if exprs.len > 0 {
                    self.open("(")?;
                    self.print_list(exprs)?;
                    self.close(")")?;
                }
                self.push(" ")?;
                self.print(ty)?;
                if inits.len > 0 {
                    self.open("(")?;
                    self.print_list(inits)?;
                    self.close(")")?;
                }
                Ok(())
            }
            Node::Delete { op, global, array } => {
                if global {
                    self.push("::")?;
                }
                self.push("delete")?;
                if array {
                    self.push("[]")?;
                }
                self.push(" ")?;
                self.print(op)
            }
            Node::Prefix { prefix, child } => {
                let prec = self.arena.slot(id).prec;
                self.push(prefix)?;
                self.print_operand(child, prec, false)
            }
            Node::FunctionParam { number } => {
                self.push("fp")?;
                self.push(number)
            }
            Node::Conversion { ty, exprs } => {
                self.open("(")?;
                self.print(ty)?;
                self.close(")")?;
                self.open("(")?;
                self.print_list(exprs)?;
                self.close(")")
            }
            Node::PointerToMemberConversion { ty, expr } => {
                self.open("(")?;
                self.print(ty)?;
                self.close(")")?;
                self.open("(")?;
                self.print(expr)?;
                self.close(")")
            }
            Node::InitList { ty, inits } => {
                if let Some(t) = ty {
                    self.print(t)?;
                }
                self.push("{")?;
                self.print_list(inits)?;
                self.push("}")
            }
            Node::Braced { elem, init, array } => {
                if array {
                    self.push("[")?;
                    self.print(elem)?;
                    self.push("]")?;
                } else {
                    self.push(".")?;
                    self.print(elem)?;
                }
                if !matches!(
                    self.node(init),
                    Node::Braced { .. } | Node::BracedRange { .. }
                ) {
                    self.push(" = ")?;
                }
                self.print(init)
            }
            Node::BracedRange { first, last, init } => {
                self.push("[")?;
                self.print(first)?;
                self.push(" ... ")?;
                self.print(last)?;
                self.push("]")?;
                if !matches!(
                    self.node(init),
                    Node::Braced { .. } | Node::BracedRange { .. }
                ) {
                    self.push(" = ")?;
                }
                self.print(init)
            }
            Node::Fold {
                pack,
                init,
                op,
                left,
            } => {
                self.open("(")?;
                if !left || init.is_some() {
                    if left {
                        if let Some(i) = init {
                            self.print_operand(i, Prec::Cast, true)?;
                        }
                    } else {
                        self.fold_pack(pack)?;
                    }
                    self.push(" ")?;
                    self.push(op)?;
                    self.push(" ")?;
                }
                self.push("...")?;
                if left || init.is_some() {
                    self.push(" ")?;
                    self.push(op)?;
                    self.push(" ")?;
                    if left {
                        self.fold_pack(pack)?;
                    } else if let Some(i) = init {
                        self.print_operand(i, Prec::Cast, true)?;
                    }
                }
                self.close(")")
            }
            Node::Throw { op } => {
                self.push("throw ")?;
                self.print(op)
            }
            Node::Bool(v) => self.push(if v { "true" } else { "false" }),
            Node::StringLiteral { ty } => {
                self.push("\"<")?;
                self.print(ty)?;
                self.push(">\"")
            }
            Node::Lambda { ty } => {
                self.push("[]")?;
                if matches!(self.node(ty), Node::Closure { .. }) {
                    self.closure_declarator(ty)?;
                }
                self.push("{...}")
            }
            Node::EnumLiteral { ty, value } => {
                self.open("(")?;
                self.print(ty)?;
                self.close(")")?;
                match value.strip_prefix('n') {
                    Some(neg) => {
                        self.push("-")?;
                        self.push(neg)
                    }
                    None => self.push(value),
                }
            }
            Node::IntegerLiteral { ty, value } => {
                if ty.len() > 3 {
                    self.open("(")?;
                    self.push(ty)?;
                    self.close(")")?;
                }
                match value.strip_prefix('n') {
                    Some(neg) => {
                        self.push("-")?;
                        self.push(neg)?;
                    }
                    None => self.push(value)?,
                }
                if ty.len() <= 3 {
                    self.push(ty)?;
                }
                Ok(())
            }
            Node::FloatLiteral { kind, contents } => match format_float(kind, contents) {
                Some(s) => self.push(&s),
                None => Ok(()),
            },
            Node::NodeArray { list } => self.print_list(list),
            Node::Requires {
                params,
                requirements,
            } => {
                self.push("requires")?;
                if params.len > 0 {
                    self.push(" ")?;
                    self.open("(")?;
                    self.print_list(params)?;
                    self.close(")")?;
                }
                self.push(" ")?;
                self.open("{")?;
                for &r in self.arena.list(requirements) {
                    self.print(r)?;
                }
                self.push(" ")?;
                self.close("}")
            }
            Node::ExprRequirement {
                expr,
                noexcept,
                constraint,
            } => {
                self.push(" ")?;
                let braces = noexcept || constraint.is_some();
                if braces {
                    self.open("{")?;
                }
                self.print(expr)?;
                if braces {
                    self.close("}")?;
                }
                if noexcept {
                    self.push(" noexcept")?;
                }
                if let Some(c) = constraint {
                    self.push(" -> ")?;
                    self.print(c)?;
                }
                self.push(";")
            }
            Node::TypeRequirement { ty } => {
                self.push(" typename ")?;
                self.print(ty)?;
                self.push(";")
            }
            Node::NestedRequirement { constraint } => {
                self.push(" requires ")?;
                self.print(constraint)?;
                self.push(";")
            }
        }
    }

    fn right_inner(&mut self, id: NodeId) -> Res {
        match *self.node(id) {
            Node::Qual { child, .. } => self.right(child),
            Node::Pointer { pointee } => {
                if self.is_objc_object(pointee) {
                    Ok(())
                } else {
                    self.pointer_like_right(pointee)
                }
            }
            Node::Reference { pointee, rvalue } => self.guarded(id, (), |p| {
                if let Some((target, _)) = p.collapse(pointee, rvalue)? {
                    p.pointer_like_right(target)?;
                }
                Ok(())
            }),
            Node::PointerToMember { member, .. } => {
                if self.has(member, Shape::Array)? || self.has(member, Shape::Function)? {
                    self.push(")")?;
                }
                self.right(member)
            }
            Node::Array { base, dimension } => {
                if !self.out.ends_with(']') {
                    self.push(" ")?;
                }
                self.push("[")?;
                if let Some(d) = dimension {
                    self.print(d)?;
                }
                self.push("]")?;
                self.right(base)
            }
            Node::Function {
                ret,
                params,
                quals,
                ref_qual,
                exception,
            } => {
                self.open("(")?;
                self.print_list(params)?;
                self.close(")")?;
                self.right(ret)?;
                self.quals(quals)?;
                self.ref_qual(ref_qual)?;
                if let Some(e) = exception {
                    self.push(" ")?;
                    self.print(e)?;
                }
                Ok(())
            }
            Node::Encoding {
                params,
                attrs,
                requires,
                quals,
                ref_qual,
                ..
            } => {
                self.open("(")?;
                self.print_list(params)?;
                self.close(")")?;
                self.quals(quals)?;
                self.ref_qual(ref_qual)?;
                if let Some(a) = attrs {
                    self.print(a)?;
                }
                if let Some(r) = requires {
                    self.push(" requires ")?;
                    self.print(r)?;
                }
                Ok(())
            }
            Node::TypeTemplateParamDecl { name }
            | Node::ConstrainedTypeTemplateParamDecl { name, .. } => self.print(name),
            Node::NonTypeTemplateParamDecl { name, ty } => {
                self.print(name)?;
                self.right(ty)
            }
            Node::TemplateTemplateParamDecl { name, requires, .. } => {
                self.print(name)?;
                if let Some(r) = requires {
                    self.push(" requires ")?;
                    self.print(r)?;
                }
                Ok(())
            }
            Node::TemplateParamPackDecl { param } => self.right(param),
            Node::ParameterPack { data } => match self.pack_element(data) {
                Some(e) => self.right(e),
                None => Ok(()),
            },
            Node::ForwardRef {
                target: Some(t), ..
            } => self.guarded(id, (), |p| p.right(t)),
            _ => Ok(()),
        }
    }

    fn closure_declarator(&mut self, id: NodeId) -> Res {
        if let Node::Closure {
            template_params,
            requires1,
            params,
            requires2,
            ..
        } = *self.node(id)
        {
            if template_params.len > 0 {
                self.template_list(template_params)?;
            }
            if let Some(r) = requires1 {
                self.push(" requires ")?;
                self.print(r)?;
                self.push(" ")?;
            }
            self.open("(")?;
            self.print_list(params)?;
            self.close(")")?;
            if let Some(r) = requires2 {
                self.push(" requires ")?;
                self.print(r)?;
            }
        }
        Ok(())
    }

    /// Prints `child` once per element of the pack it refers to, comma-separated; nothing for
    /// an empty pack; `child...` when it refers to no pack that is known.
    fn pack_expansion(&mut self, child: NodeId) -> Res {
        let (saved_index, saved_max) = (self.pack_index, self.pack_max);
        self.pack_index = NO_PACK;
        self.pack_max = NO_PACK;
        let start = self.out.len();
        let r = (|| {
            self.print(child)?;
            if self.pack_max == NO_PACK {
                return self.push("...");
            }
            if self.pack_max == 0 {
                self.out.truncate(start);
                return Ok(());
            }
            let max = self.pack_max;
            for i in 1..max {
                self.push(", ")?;
                self.pack_index = i;
                self.print(child)?;
            }
            Ok(())
        })();
        self.pack_index = saved_index;
        self.pack_max = saved_max;
        r
    }

    fn fold_pack(&mut self, pack: NodeId) -> Res {
        self.open("(")?;
        self.pack_expansion(pack)?;
        self.close(")")
    }
}

fn special_base_name(kind: SpecialSub, expanded: bool) -> &'static str {
    match (kind, expanded) {
        (SpecialSub::Allocator, _) => "allocator",
        (SpecialSub::BasicString, _) | (SpecialSub::String, true) => "basic_string",
        (SpecialSub::String, false) => "string",
        (SpecialSub::IStream, true) => "basic_istream",
        (SpecialSub::IStream, false) => "istream",
        (SpecialSub::OStream, true) => "basic_ostream",
        (SpecialSub::OStream, false) => "ostream",
        (SpecialSub::IOStream, true) => "basic_iostream",
        (SpecialSub::IOStream, false) => "iostream",
    }
}

/// A float literal is mangled as the hex digits of its IEEE bytes (most significant first);
/// LLVM prints it with C's `%a` (`%af` for float, `%LaL` for x86's 80-bit long double).
fn format_float(kind: FloatKind, hex: &str) -> Option<String> {
    match kind {
        FloatKind::Float => {
            let bits = u32::from_str_radix(hex, 16).ok()?;
            Some(format!("{}f", hex_float(f64::from(f32::from_bits(bits)))))
        }
        FloatKind::Double => Some(hex_float(f64::from_bits(
            u64::from_str_radix(hex, 16).ok()?,
        ))),
        FloatKind::LongDouble => Some(format!("{}L", hex_x87(hex)?)),
    }
}

/// glibc's `%La` for an x87 extended value: 16 bits of sign and exponent, then a 64-bit
/// mantissa with an explicit integer bit, printed as one hex digit, a point and 15 more.
fn hex_x87(hex: &str) -> Option<String> {
    let sign_exp = u16::from_str_radix(hex.get(..4)?, 16).ok()?;
    let mantissa = u64::from_str_radix(hex.get(4..20)?, 16).ok()?;
    let sign = if sign_exp & 0x8000 != 0 { "-" } else { "" };
    let exp_bits = i32::from(sign_exp & 0x7fff);
    if exp_bits == 0x7fff {
        let what = if mantissa << 1 == 0 { "inf" } else { "nan" };
        return Some(format!("{}{}", sign, what));
    }
    if mantissa == 0 {
        return Some(format!("{}0x0p+0", sign));
    }
    let exp = if exp_bits == 0 {
        -16382
    } else {
        exp_bits - 16383
    } - 3;
    let lead = mantissa >> 60;
    let mut rest = mantissa & ((1u64 << 60) - 1);
    let mut digits = 15;
    while digits > 0 && rest & 0xf == 0 {
        rest >>= 4;
        digits -= 1;
    }
    let frac = if digits == 0 {
        String::new()
    } else {
        format!(".{:0width$x}", rest, width = digits)
    };
    Some(format!("{}0x{:x}{}p{:+}", sign, lead, frac, exp))
}

/// C's `printf("%a", v)` for a double, as glibc prints it.
fn hex_float(v: f64) -> String {
    if v.is_nan() {
        return if v.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf".into() } else { "inf".into() };
    }
    let bits = v.to_bits();
    let sign = if bits >> 63 != 0 { "-" } else { "" };
    let exp_bits = ((bits >> 52) & 0x7ff) as i64;
    let mut mantissa = bits & ((1u64 << 52) - 1);
    if exp_bits == 0 && mantissa == 0 {
        return format!("{}0x0p+0", sign);
    }
    let (lead, exp) = if exp_bits == 0 {
        (0, -1022)
    } else {
        (1, exp_bits - 1023)
    };
    let mut digits = 13;
    while digits > 0 && mantissa & 0xf == 0 {
        mantissa >>= 4;
        digits -= 1;
    }
    let frac = if digits == 0 {
        String::new()
    } else {
        format!(".{:0width$x}", mantissa, width = digits)
    };
    format!("{}0x{}{}p{:+}", sign, lead, frac, exp)
}

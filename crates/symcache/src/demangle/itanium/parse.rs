//! Recursive-descent parser for Itanium C++ ABI mangled names (section 5.1 of the ABI,
//! https://itanium-cxx-abi.github.io/cxx-abi/abi.html#mangling), accepting what LLVM 19's
//! demangler accepts and building the same shapes it prints. Names, encodings and template
//! arguments are here; types in `parse/types.rs`, expressions in `parse/exprs.rs`, the
//! operator table in `parse/operators.rs`.
//!
//! Hostile input is expected: every read is bounds-checked (`peek` returns 0 past the end),
//! recursion is capped by [`MAX_DEPTH`], the arena by `MAX_NODES`, and any failure is `None`
//! (the caller then shows the raw name). Nothing here panics on input.

use super::ast::{Arena, List, Node, NodeId, Prec, RefQual, SpecialSub, TemplateParamKind};
use super::ast::{QUAL_CONST, QUAL_RESTRICT, QUAL_VOLATILE};

mod exprs;
mod operators;
mod types;

use operators::{Op, OpKind, OPS};

/// Nesting (of types, names, template arguments and expressions) beyond which a name is
/// refused; it bounds the stack, which is 1 MiB in wasm. Real names stay far below: all
/// 172,835 C++ names of libstdc++, LLVM 19, clang 19 and node parse within it.
const MAX_DEPTH: u32 = 192;

pub(super) type P<T> = Option<T>;

/// Where a template parameter reference (`T_`) looks for its value.
#[derive(Clone, Copy)]
enum ParamList {
    /// The template arguments of the entity being named (filled as they are parsed).
    Outer,
    /// A lambda's or a template template parameter's own parameter declarations.
    Scoped(usize),
    /// A level that exists but has no list (a generic lambda's `auto` parameters).
    Missing,
}

/// What parsing a name tells the encoding around it.
#[derive(Default)]
struct NameState {
    ctor_dtor_conversion: bool,
    ends_with_template_args: bool,
    quals: u8,
    ref_qual: Option<RefQual>,
    forward_refs_begin: usize,
    explicit_object_parameter: bool,
}

pub struct Parser<'a> {
    input: &'a str,
    pos: usize,
    pub arena: Arena<'a>,
    /// Scratch stack for lists being built (parameters, template arguments).
    names: Vec<NodeId>,
    /// Substitution candidates, in the order the ABI numbers them (`S_`, `S0_`, ...).
    subs: Vec<NodeId>,
    outer_params: Vec<NodeId>,
    scoped_params: Vec<Vec<NodeId>>,
    template_params: Vec<ParamList>,
    forward_refs: Vec<NodeId>,
    try_template_args: bool,
    permit_forward_refs: bool,
    in_constraint_expr: bool,
    lambda_params_level: Option<usize>,
    synthetic_params: [u32; 3],
    depth: u32,
}

impl<'a> Parser<'a> {
    pub fn new(input: &'a str) -> Self {
        Parser {
            input,
            pos: 0,
            arena: Arena::default(),
            names: Vec::new(),
            subs: Vec::new(),
            outer_params: Vec::new(),
            scoped_params: Vec::new(),
            template_params: Vec::new(),
            forward_refs: Vec::new(),
            try_template_args: true,
            permit_forward_refs: false,
            in_constraint_expr: false,
            lambda_params_level: None,
            synthetic_params: [0; 3],
            depth: 0,
        }
    }

    // ---- reading -------------------------------------------------------------------------

    fn peek_at(&self, ahead: usize) -> u8 {
        self.input
            .as_bytes()
            .get(self.pos + ahead)
            .copied()
            .unwrap_or(0)
    }

    fn peek(&self) -> u8 {
        self.peek_at(0)
    }

    fn left(&self) -> usize {
        self.input.len() - self.pos
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == c && self.pos < self.input.len() {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        if self.input.as_bytes()[self.pos..].starts_with(s.as_bytes()) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// The input between two positions; `None` if they do not fall on character boundaries
    /// (mangled names are ASCII, but the input is any string).
    fn slice(&self, from: usize, to: usize) -> P<&'a str> {
        self.input.get(from..to)
    }

    fn number(&mut self, allow_negative: bool) -> &'a str {
        let start = self.pos;
        if allow_negative {
            self.eat(b'n');
        }
        if !self.peek().is_ascii_digit() {
            self.pos = start;
            return "";
        }
        while self.peek().is_ascii_digit() {
            self.pos += 1;
        }
        self.slice(start, self.pos).unwrap_or("")
    }

    fn positive_integer(&mut self) -> P<usize> {
        if !self.peek().is_ascii_digit() {
            return None;
        }
        let mut n: usize = 0;
        while self.peek().is_ascii_digit() {
            n = n
                .checked_mul(10)?
                .checked_add((self.peek() - b'0') as usize)?;
            self.pos += 1;
        }
        Some(n)
    }

    fn bare_source_name(&mut self) -> P<&'a str> {
        let len = self.positive_integer()?;
        if self.left() < len {
            return None;
        }
        let s = self.slice(self.pos, self.pos + len)?;
        self.pos += len;
        Some(s)
    }

    fn cv_qualifiers(&mut self) -> u8 {
        let mut q = 0;
        if self.eat(b'r') {
            q |= QUAL_RESTRICT;
        }
        if self.eat(b'V') {
            q |= QUAL_VOLATILE;
        }
        if self.eat(b'K') {
            q |= QUAL_CONST;
        }
        q
    }

    // ---- building ------------------------------------------------------------------------

    fn make(&mut self, node: Node<'a>) -> P<NodeId> {
        self.arena.add(node, Prec::Primary)
    }

    fn make_prec(&mut self, node: Node<'a>, prec: Prec) -> P<NodeId> {
        self.arena.add(node, prec)
    }

    fn name(&mut self, s: &'a str) -> P<NodeId> {
        self.make(Node::Name(s))
    }

    fn pop_list(&mut self, from: usize) -> P<List> {
        let list = self.arena.add_list(self.names.get(from..)?)?;
        self.names.truncate(from);
        Some(list)
    }

    fn descend<T>(&mut self, f: impl FnOnce(&mut Self) -> P<T>) -> P<T> {
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// Runs `f` with fresh template parameter lists (an encoding nested in a name has its
    /// own), restoring the enclosing ones after.
    fn with_saved_params<T>(&mut self, f: impl FnOnce(&mut Self) -> P<T>) -> P<T> {
        let saved_lists = std::mem::take(&mut self.template_params);
        let saved_outer = std::mem::take(&mut self.outer_params);
        let r = f(self);
        self.template_params = saved_lists;
        self.outer_params = saved_outer;
        r
    }

    /// Runs `f` with a new scoped parameter list pushed (lambda or template template
    /// parameter declarations); the list is dropped after.
    fn with_scoped_params<T>(&mut self, f: impl FnOnce(&mut Self, usize) -> P<T>) -> P<T> {
        let old_len = self.template_params.len();
        self.scoped_params.push(Vec::new());
        let index = self.scoped_params.len() - 1;
        self.template_params.push(ParamList::Scoped(index));
        let r = f(self, index);
        self.template_params.truncate(old_len);
        self.scoped_params.truncate(index);
        r
    }

    fn param_list(&self, list: ParamList) -> Option<&Vec<NodeId>> {
        match list {
            ParamList::Outer => Some(&self.outer_params),
            ParamList::Scoped(i) => self.scoped_params.get(i),
            ParamList::Missing => None,
        }
    }

    fn resolve_forward_refs(&mut self, state: &NameState) -> bool {
        for i in state.forward_refs_begin..self.forward_refs.len() {
            let fref = self.forward_refs[i];
            let index = match *self.arena.get(fref) {
                Node::ForwardRef { index, .. } => index as usize,
                _ => return false,
            };
            let target = match self
                .template_params
                .first()
                .and_then(|&l| self.param_list(l))
            {
                Some(list) => match list.get(index) {
                    Some(&t) => t,
                    None => return false,
                },
                None => return false,
            };
            if let Node::ForwardRef { target: slot, .. } =
                &mut self.arena.nodes[fref.0 as usize].node
            {
                *slot = Some(target);
            }
        }
        self.forward_refs.truncate(state.forward_refs_begin);
        true
    }

    // ---- <mangled-name> ------------------------------------------------------------------

    /// `_Z <encoding> [.<clone suffix>]`, or the `___Z ... _block_invoke` of Apple blocks.
    pub fn parse(&mut self) -> P<NodeId> {
        if self.eat_str("_Z") || self.eat_str("__Z") {
            let mut encoding = self.encoding()?;
            if self.peek() == b'.' {
                let suffix = self.slice(self.pos, self.input.len())?;
                self.pos = self.input.len();
                encoding = self.make(Node::DotSuffix {
                    prefix: encoding,
                    suffix,
                })?;
            }
            return if self.left() == 0 {
                Some(encoding)
            } else {
                None
            };
        }
        if self.eat_str("___Z") || self.eat_str("____Z") {
            let encoding = self.encoding()?;
            if !self.eat_str("_block_invoke") {
                return None;
            }
            let require_number = self.eat(b'_');
            if self.number(false).is_empty() && require_number {
                return None;
            }
            if self.peek() == b'.' {
                self.pos = self.input.len();
            }
            if self.left() != 0 {
                return None;
            }
            return self.make(Node::Special {
                prefix: "invocation function for block in ",
                child: encoding,
            });
        }
        None
    }

    fn encoding(&mut self) -> P<NodeId> {
        self.descend(|p| p.with_saved_params(|p| p.encoding_inner()))
    }

    fn encoding_inner(&mut self) -> P<NodeId> {
        if self.peek() == b'G' || self.peek() == b'T' {
            return self.special_name();
        }
        let mut state = NameState {
            forward_refs_begin: self.forward_refs.len(),
            ..NameState::default()
        };
        let name = self.name_with_state(Some(&mut state))?;
        if !self.resolve_forward_refs(&state) {
            return None;
        }
        if self.at_end_of_encoding() {
            return Some(name);
        }
        let mut attrs = None;
        if self.eat_str("Ua9enable_ifI") {
            let begin = self.names.len();
            while !self.eat(b'E') {
                let arg = self.template_arg()?;
                self.names.push(arg);
            }
            let conditions = self.pop_list(begin)?;
            attrs = Some(self.make(Node::EnableIf { conditions })?);
        }
        if !state.ctor_dtor_conversion && state.ends_with_template_args {
            // The return type: parsed because it takes substitution slots, never printed.
            self.type_()?;
        }
        let mut params = List::default();
        if !self.eat(b'v') {
            let begin = self.names.len();
            loop {
                let mut ty = self.type_()?;
                if state.explicit_object_parameter && self.names.len() == begin {
                    ty = self.make(Node::ExplicitObjectParameter { base: ty })?;
                }
                self.names.push(ty);
                if self.at_end_of_encoding() || self.peek() == b'Q' {
                    break;
                }
            }
            params = self.pop_list(begin)?;
        }
        let mut requires = None;
        if self.eat(b'Q') {
            requires = Some(self.constraint_expr()?);
        }
        self.make(Node::Encoding {
            name,
            params,
            attrs,
            requires,
            quals: state.quals,
            ref_qual: state.ref_qual.unwrap_or(RefQual::None),
        })
    }

    fn at_end_of_encoding(&self) -> bool {
        self.left() == 0 || matches!(self.peek(), b'E' | b'.' | b'_')
    }

    fn call_offset(&mut self) -> P<()> {
        if self.eat(b'h') {
            if self.number(true).is_empty() || !self.eat(b'_') {
                return None;
            }
            return Some(());
        }
        if self.eat(b'v') {
            if self.number(true).is_empty()
                || !self.eat(b'_')
                || self.number(true).is_empty()
                || !self.eat(b'_')
            {
                return None;
            }
            return Some(());
        }
        None
    }

    fn special(&mut self, prefix: &'static str, child: NodeId) -> P<NodeId> {
        self.make(Node::Special { prefix, child })
    }

    fn special_name(&mut self) -> P<NodeId> {
        match (self.peek(), self.peek_at(1)) {
            (b'T', b'A') => {
                self.pos += 2;
                let arg = self.template_arg()?;
                self.special("template parameter object for ", arg)
            }
            (b'T', c @ (b'V' | b'T' | b'I' | b'S')) => {
                self.pos += 2;
                let ty = self.type_()?;
                let prefix = match c {
                    b'V' => "vtable for ",
                    b'T' => "VTT for ",
                    b'I' => "typeinfo for ",
                    _ => "typeinfo name for ",
                };
                self.special(prefix, ty)
            }
            (b'T', b'c') => {
                self.pos += 2;
                self.call_offset()?;
                self.call_offset()?;
                let enc = self.encoding()?;
                self.special("covariant return thunk to ", enc)
            }
            (b'T', b'C') => {
                self.pos += 2;
                let first = self.type_()?;
                if self.number(true).is_empty() || !self.eat(b'_') {
                    return None;
                }
                let second = self.type_()?;
                self.make(Node::CtorVtable {
                    first: second,
                    second: first,
                })
            }
            (b'T', c @ (b'W' | b'H')) => {
                self.pos += 2;
                let name = self.name_with_state(None)?;
                let prefix = if c == b'W' {
                    "thread-local wrapper routine for "
                } else {
                    "thread-local initialization routine for "
                };
                self.special(prefix, name)
            }
            (b'T', _) => {
                self.pos += 1;
                let virt = self.peek() == b'v';
                self.call_offset()?;
                let enc = self.encoding()?;
                self.special(
                    if virt {
                        "virtual thunk to "
                    } else {
                        "non-virtual thunk to "
                    },
                    enc,
                )
            }
            (b'G', b'V') => {
                self.pos += 2;
                let name = self.name_with_state(None)?;
                self.special("guard variable for ", name)
            }
            (b'G', b'R') => {
                self.pos += 2;
                let name = self.name_with_state(None)?;
                let had_seq = self.seq_id().is_some();
                if !self.eat(b'_') && had_seq {
                    return None;
                }
                self.special("reference temporary for ", name)
            }
            (b'G', b'I') => {
                self.pos += 2;
                let module = self.module_name_opt(None)??;
                self.special("initializer for module ", module)
            }
            _ => None,
        }
    }

    // ---- names ---------------------------------------------------------------------------

    fn name_with_state(&mut self, state: Option<&mut NameState>) -> P<NodeId> {
        self.descend(|p| p.name_inner(state))
    }

    fn name_inner(&mut self, mut state: Option<&mut NameState>) -> P<NodeId> {
        if self.peek() == b'N' {
            return self.nested_name(state);
        }
        if self.peek() == b'Z' {
            return self.local_name(state);
        }
        let mut is_subst = false;
        let result = self.unscoped_name(state.as_deref_mut(), &mut is_subst)?;
        if self.peek() == b'I' {
            if !is_subst {
                self.subs.push(result);
            }
            let args = self.template_args(state.is_some())?;
            if let Some(s) = state {
                s.ends_with_template_args = true;
            }
            return self.make(Node::NameWithTemplateArgs { name: result, args });
        }
        if is_subst {
            return None;
        }
        Some(result)
    }

    /// `<discriminator> ::= _ <digit> | __ <number> _`, and a trailing run of digits: skipped.
    fn discriminator(&mut self) {
        let b = self.input.as_bytes();
        let mut i = self.pos;
        if i >= b.len() {
            return;
        }
        if b[i] == b'_' {
            i += 1;
            if i < b.len() {
                if b[i].is_ascii_digit() {
                    self.pos = i + 1;
                } else if b[i] == b'_' {
                    i += 1;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                    if i < b.len() && b[i] == b'_' {
                        self.pos = i + 1;
                    }
                }
            }
        } else if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == b.len() {
                self.pos = i;
            }
        }
    }

    fn local_name(&mut self, state: Option<&mut NameState>) -> P<NodeId> {
        if !self.eat(b'Z') {
            return None;
        }
        let encoding = self.encoding()?;
        if !self.eat(b'E') {
            return None;
        }
        if self.eat(b's') {
            self.discriminator();
            let entity = self.name("string literal")?;
            return self.make(Node::Local { encoding, entity });
        }
        self.with_saved_params(|p| {
            if p.eat(b'd') {
                p.number(true);
                if !p.eat(b'_') {
                    return None;
                }
                let entity = p.name_with_state(state)?;
                return p.make(Node::Local { encoding, entity });
            }
            let entity = p.name_with_state(state)?;
            p.discriminator();
            p.make(Node::Local { encoding, entity })
        })
    }

    fn unscoped_name(&mut self, state: Option<&mut NameState>, is_subst: &mut bool) -> P<NodeId> {
        let mut std = None;
        if self.eat_str("St") {
            std = Some(self.name("std")?);
        }
        let mut result = None;
        let mut module = None;
        if self.peek() == b'S' {
            let s = self.substitution()?;
            if matches!(self.arena.get(s), Node::Module { .. }) {
                module = Some(s);
            } else if std.is_none() {
                result = Some(s);
                *is_subst = true;
            } else {
                return None;
            }
        }
        if result.is_none() || std.is_some() {
            result = Some(self.unqualified_name(state, std, module)?);
        }
        result
    }

    fn module_name_opt(&mut self, mut module: Option<NodeId>) -> P<Option<NodeId>> {
        while self.eat(b'W') {
            let partition = self.eat(b'P');
            let name = self.source_name()?;
            let m = self.make(Node::Module {
                parent: module,
                name,
                partition,
            })?;
            self.subs.push(m);
            module = Some(m);
        }
        Some(module)
    }

    fn unqualified_name(
        &mut self,
        state: Option<&mut NameState>,
        scope: Option<NodeId>,
        module: Option<NodeId>,
    ) -> P<NodeId> {
        let module = self.module_name_opt(module)?;
        let mut scope = scope;
        let member_like_friend = scope.is_some() && self.eat(b'F');
        self.eat(b'L');
        let mut result = match self.peek() {
            b'1'..=b'9' => self.source_name()?,
            b'U' => self.unnamed_type_name(state)?,
            b'D' if self.peek_at(1) == b'C' => {
                self.pos += 2;
                let begin = self.names.len();
                loop {
                    let binding = self.source_name()?;
                    self.names.push(binding);
                    if self.eat(b'E') {
                        break;
                    }
                }
                let bindings = self.pop_list(begin)?;
                self.make(Node::StructuredBinding { bindings })?
            }
            b'C' | b'D' => {
                let outer = match (scope, module) {
                    (Some(s), None) => s,
                    _ => return None,
                };
                let (node, expanded_scope) = self.ctor_dtor_name(outer, state)?;
                scope = Some(expanded_scope);
                node
            }
            _ => self.operator_name(state)?,
        };
        if let Some(m) = module {
            result = self.make(Node::ModuleEntity {
                module: m,
                name: result,
            })?;
        }
        result = self.abi_tags(result)?;
        if let Some(s) = scope {
            if member_like_friend {
                return self.make(Node::MemberLikeFriend {
                    qual: s,
                    name: result,
                });
            }
            return self.make(Node::Nested {
                qual: s,
                name: result,
            });
        }
        Some(result)
    }

    fn source_name(&mut self) -> P<NodeId> {
        let len = self.positive_integer()?;
        if len == 0 || self.left() < len {
            return None;
        }
        let name = self.slice(self.pos, self.pos + len)?;
        self.pos += len;
        if name.starts_with("_GLOBAL__N") {
            return self.name("(anonymous namespace)");
        }
        self.name(name)
    }

    fn unnamed_type_name(&mut self, state: Option<&mut NameState>) -> P<NodeId> {
        if state.is_some() {
            self.template_params.clear();
        }
        if self.eat_str("Ut") {
            let count = self.number(false);
            if !self.eat(b'_') {
                return None;
            }
            return self.make(Node::Unnamed { count });
        }
        if self.eat_str("Ul") {
            let saved_level = self.lambda_params_level.replace(self.template_params.len());
            let r = self.with_scoped_params(|p, index| p.closure_type(index));
            self.lambda_params_level = saved_level;
            return r;
        }
        if self.eat_str("Ub") {
            self.number(false);
            if !self.eat(b'_') {
                return None;
            }
            return self.name("'block-literal'");
        }
        None
    }

    fn closure_type(&mut self, scoped_index: usize) -> P<NodeId> {
        let begin = self.names.len();
        while self.is_template_param_decl() {
            let decl = self.template_param_decl(Some(scoped_index))?;
            self.names.push(decl);
        }
        let template_params = self.pop_list(begin)?;
        if template_params.len == 0 {
            self.template_params.pop();
        }
        let mut requires1 = None;
        if self.eat(b'Q') {
            requires1 = Some(self.constraint_expr()?);
        }
        if !self.eat(b'v') {
            loop {
                let ty = self.type_()?;
                self.names.push(ty);
                if self.peek() == b'E' || self.peek() == b'Q' {
                    break;
                }
            }
        }
        let params = self.pop_list(begin)?;
        let mut requires2 = None;
        if self.eat(b'Q') {
            requires2 = Some(self.constraint_expr()?);
        }
        if !self.eat(b'E') {
            return None;
        }
        let count = self.number(false);
        if !self.eat(b'_') {
            return None;
        }
        self.make(Node::Closure {
            template_params,
            requires1,
            params,
            requires2,
            count,
        })
    }

    fn operator_encoding(&mut self) -> Option<&'static Op> {
        if self.left() < 2 {
            return None;
        }
        let code = [self.peek(), self.peek_at(1)];
        let i = OPS.binary_search_by(|op| op.code.cmp(&code)).ok()?;
        self.pos += 2;
        Some(&OPS[i])
    }

    fn operator_name(&mut self, state: Option<&mut NameState>) -> P<NodeId> {
        let start = self.pos;
        if let Some(op) = self.operator_encoding() {
            if op.kind == OpKind::CCast {
                let saved_try = std::mem::replace(&mut self.try_template_args, false);
                let saved_permit = self.permit_forward_refs;
                self.permit_forward_refs = saved_permit || state.is_some();
                let ty = self.type_();
                self.try_template_args = saved_try;
                self.permit_forward_refs = saved_permit;
                let ty = ty?;
                if let Some(s) = state {
                    s.ctor_dtor_conversion = true;
                }
                return self.make(Node::ConversionOperator { ty });
            }
            if matches!(op.kind, OpKind::NamedCast | OpKind::OfIdOp) {
                return None;
            }
            if op.kind == OpKind::Member && !op.flag {
                return None;
            }
            return self.name(op.name);
        }
        self.pos = start;
        if self.eat_str("li") {
            let name = self.source_name()?;
            return self.make(Node::LiteralOperator { name });
        }
        if self.eat(b'v') {
            if self.peek().is_ascii_digit() {
                self.pos += 1;
                let name = self.source_name()?;
                return self.make(Node::ConversionOperator { ty: name });
            }
            return None;
        }
        None
    }

    /// `C1`..`C5`, `CI1`/`CI2` (inheriting), `D0`..`D5`: the name node, and the scope it
    /// belongs to (`Ss` is spelled out in full there: `std::basic_string<char, ...>::~basic_string()`).
    fn ctor_dtor_name(
        &mut self,
        scope: NodeId,
        state: Option<&mut NameState>,
    ) -> P<(NodeId, NodeId)> {
        let mut scope = scope;
        if let Node::SpecialSubstitution {
            kind,
            expanded: false,
        } = *self.arena.get(scope)
        {
            scope = self.make(Node::SpecialSubstitution {
                kind,
                expanded: true,
            })?;
        }
        if self.eat(b'C') {
            let inherited = self.eat(b'I');
            if !matches!(self.peek(), b'1'..=b'5') {
                return None;
            }
            self.pos += 1;
            let mut state = state;
            if let Some(s) = state.as_deref_mut() {
                s.ctor_dtor_conversion = true;
            }
            if inherited {
                self.name_with_state(state)?;
            }
            return Some((
                self.make(Node::CtorDtor {
                    base: scope,
                    dtor: false,
                })?,
                scope,
            ));
        }
        if self.peek() == b'D' && matches!(self.peek_at(1), b'0' | b'1' | b'2' | b'4' | b'5') {
            self.pos += 2;
            if let Some(s) = state {
                s.ctor_dtor_conversion = true;
            }
            return Some((
                self.make(Node::CtorDtor {
                    base: scope,
                    dtor: true,
                })?,
                scope,
            ));
        }
        None
    }

    fn nested_name(&mut self, mut state: Option<&mut NameState>) -> P<NodeId> {
        if !self.eat(b'N') {
            return None;
        }
        if !self.eat(b'H') {
            let quals = self.cv_qualifiers();
            let ref_qual = if self.eat(b'O') {
                RefQual::RValue
            } else if self.eat(b'R') {
                RefQual::LValue
            } else {
                RefQual::None
            };
            if let Some(s) = state.as_deref_mut() {
                s.quals = quals;
                s.ref_qual = Some(ref_qual);
            }
        } else if let Some(s) = state.as_deref_mut() {
            s.explicit_object_parameter = true;
        }
        let mut so_far: Option<NodeId> = None;
        while !self.eat(b'E') {
            if let Some(s) = state.as_deref_mut() {
                s.ends_with_template_args = false;
            }
            if self.left() == 0 {
                return None;
            }
            if self.peek() == b'T' {
                if so_far.is_some() {
                    return None;
                }
                so_far = Some(self.template_param()?);
            } else if self.peek() == b'I' {
                let prefix = so_far?;
                let args = self.template_args(state.is_some())?;
                if matches!(self.arena.get(prefix), Node::NameWithTemplateArgs { .. }) {
                    return None;
                }
                if let Some(s) = state.as_deref_mut() {
                    s.ends_with_template_args = true;
                }
                so_far = Some(self.make(Node::NameWithTemplateArgs { name: prefix, args })?);
            } else if self.peek() == b'D' && matches!(self.peek_at(1), b't' | b'T') {
                if so_far.is_some() {
                    return None;
                }
                so_far = Some(self.decltype()?);
            } else {
                let mut module = None;
                if self.peek() == b'S' {
                    let s = if self.peek_at(1) == b't' {
                        self.pos += 2;
                        self.name("std")?
                    } else {
                        self.substitution()?
                    };
                    if matches!(self.arena.get(s), Node::Module { .. }) {
                        module = Some(s);
                    } else if so_far.is_some() {
                        return None;
                    } else {
                        so_far = Some(s);
                        continue;
                    }
                }
                so_far = Some(self.unqualified_name(state.as_deref_mut(), so_far, module)?);
            }
            let node = so_far?;
            self.subs.push(node);
            self.eat(b'M');
        }
        let node = so_far?;
        self.subs.pop()?;
        Some(node)
    }

    fn abi_tags(&mut self, mut node: NodeId) -> P<NodeId> {
        while self.eat(b'B') {
            let tag = self.bare_source_name()?;
            if tag.is_empty() {
                return None;
            }
            node = self.make(Node::AbiTag { base: node, tag })?;
        }
        Some(node)
    }

    fn seq_id(&mut self) -> Option<usize> {
        if !(self.peek().is_ascii_digit() || self.peek().is_ascii_uppercase()) {
            return None;
        }
        let mut id: usize = 0;
        loop {
            let c = self.peek();
            let d = if c.is_ascii_digit() {
                c - b'0'
            } else if c.is_ascii_uppercase() {
                c - b'A' + 10
            } else {
                return Some(id);
            };
            id = id.checked_mul(36)?.checked_add(d as usize)?;
            self.pos += 1;
        }
    }

    fn substitution(&mut self) -> P<NodeId> {
        if !self.eat(b'S') {
            return None;
        }
        if self.peek().is_ascii_lowercase() {
            let kind = match self.peek() {
                b'a' => SpecialSub::Allocator,
                b'b' => SpecialSub::BasicString,
                b'd' => SpecialSub::IOStream,
                b'i' => SpecialSub::IStream,
                b'o' => SpecialSub::OStream,
                b's' => SpecialSub::String,
                _ => return None,
            };
            self.pos += 1;
            let special = self.make(Node::SpecialSubstitution {
                kind,
                expanded: false,
            })?;
            let tagged = self.abi_tags(special)?;
            if tagged != special {
                self.subs.push(tagged);
                return Some(tagged);
            }
            return Some(special);
        }
        if self.eat(b'_') {
            return self.subs.first().copied();
        }
        let index = self.seq_id()?.checked_add(1)?;
        if !self.eat(b'_') {
            return None;
        }
        self.subs.get(index).copied()
    }

    // ---- template parameters and arguments -------------------------------------------------

    fn template_param(&mut self) -> P<NodeId> {
        let begin = self.pos;
        if !self.eat(b'T') {
            return None;
        }
        let mut level = 0;
        if self.eat(b'L') {
            level = self.positive_integer()?.checked_add(1)?;
            if !self.eat(b'_') {
                return None;
            }
        }
        let mut index = 0;
        if !self.eat(b'_') {
            index = self.positive_integer()?.checked_add(1)?;
            if !self.eat(b'_') {
                return None;
            }
        }
        if self.in_constraint_expr {
            let text = self.slice(begin, self.pos - 1)?;
            return self.name(text);
        }
        if self.permit_forward_refs && level == 0 {
            let fref = self.make(Node::ForwardRef {
                index: u32::try_from(index).ok()?,
                target: None,
            })?;
            self.forward_refs.push(fref);
            return Some(fref);
        }
        let found = self
            .template_params
            .get(level)
            .copied()
            .and_then(|l| self.param_list(l))
            .and_then(|list| list.get(index).copied());
        match found {
            Some(node) => Some(node),
            None => {
                if self.lambda_params_level == Some(level) && level <= self.template_params.len() {
                    if level == self.template_params.len() {
                        self.template_params.push(ParamList::Missing);
                    }
                    return self.name("auto");
                }
                None
            }
        }
    }

    fn is_template_param_decl(&self) -> bool {
        self.peek() == b'T' && matches!(self.peek_at(1), b'y' | b'p' | b't' | b'n' | b'k')
    }

    fn invent_param_name(&mut self, kind: TemplateParamKind, into: Option<usize>) -> P<NodeId> {
        let slot = &mut self.synthetic_params[kind as usize];
        let index = *slot;
        *slot = slot.checked_add(1)?;
        let node = self.make(Node::SyntheticTemplateParam { kind, index })?;
        if let Some(i) = into {
            self.scoped_params.get_mut(i)?.push(node);
        }
        Some(node)
    }

    fn template_param_decl(&mut self, into: Option<usize>) -> P<NodeId> {
        self.descend(|p| p.template_param_decl_inner(into))
    }

    fn template_param_decl_inner(&mut self, into: Option<usize>) -> P<NodeId> {
        if self.eat_str("Ty") {
            let name = self.invent_param_name(TemplateParamKind::Type, into)?;
            return self.make(Node::TypeTemplateParamDecl { name });
        }
        if self.eat_str("Tk") {
            let constraint = self.name_with_state(None)?;
            let name = self.invent_param_name(TemplateParamKind::Type, into)?;
            return self.make(Node::ConstrainedTypeTemplateParamDecl { constraint, name });
        }
        if self.eat_str("Tn") {
            let name = self.invent_param_name(TemplateParamKind::NonType, into)?;
            let ty = self.type_()?;
            return self.make(Node::NonTypeTemplateParamDecl { name, ty });
        }
        if self.eat_str("Tt") {
            let name = self.invent_param_name(TemplateParamKind::Template, into)?;
            let begin = self.names.len();
            return self.with_scoped_params(|p, index| {
                let mut requires = None;
                while !p.eat(b'E') {
                    let decl = p.template_param_decl(Some(index))?;
                    p.names.push(decl);
                    if p.eat(b'Q') {
                        requires = Some(p.constraint_expr()?);
                        if !p.eat(b'E') {
                            return None;
                        }
                        break;
                    }
                }
                let params = p.pop_list(begin)?;
                p.make(Node::TemplateTemplateParamDecl {
                    name,
                    params,
                    requires,
                })
            });
        }
        if self.eat_str("Tp") {
            let param = self.template_param_decl(into)?;
            return self.make(Node::TemplateParamPackDecl { param });
        }
        None
    }

    fn template_arg(&mut self) -> P<NodeId> {
        self.descend(|p| p.template_arg_inner())
    }

    fn template_arg_inner(&mut self) -> P<NodeId> {
        match self.peek() {
            b'X' => {
                self.pos += 1;
                let e = self.expr()?;
                if !self.eat(b'E') {
                    return None;
                }
                Some(e)
            }
            b'J' => {
                self.pos += 1;
                let begin = self.names.len();
                while !self.eat(b'E') {
                    let arg = self.template_arg()?;
                    self.names.push(arg);
                }
                let elements = self.pop_list(begin)?;
                self.make(Node::TemplateArgumentPack { elements })
            }
            b'L' => {
                if self.peek_at(1) == b'Z' {
                    self.pos += 2;
                    let enc = self.encoding()?;
                    if !self.eat(b'E') {
                        return None;
                    }
                    return Some(enc);
                }
                self.expr_primary()
            }
            b'T' => {
                if !self.is_template_param_decl() {
                    return self.type_();
                }
                self.template_param_decl(None)?;
                let arg = self.template_arg()?;
                self.make(Node::TemplateParamQualifiedArg { arg })
            }
            _ => self.type_(),
        }
    }

    fn template_args(&mut self, tag_templates: bool) -> P<NodeId> {
        if !self.eat(b'I') {
            return None;
        }
        if tag_templates {
            self.template_params.clear();
            self.template_params.push(ParamList::Outer);
            self.outer_params.clear();
        }
        let begin = self.names.len();
        let mut requires = None;
        while !self.eat(b'E') {
            if self.left() == 0 {
                return None;
            }
            let arg = self.template_arg()?;
            self.names.push(arg);
            if tag_templates {
                let mut entry = arg;
                if let Node::TemplateParamQualifiedArg { arg } = *self.arena.get(entry) {
                    entry = arg;
                }
                if let Node::TemplateArgumentPack { elements } = *self.arena.get(arg) {
                    entry = self.make(Node::ParameterPack { data: elements })?;
                }
                self.outer_params.push(entry);
            }
            if self.eat(b'Q') {
                requires = Some(self.constraint_expr()?);
                if !self.eat(b'E') {
                    return None;
                }
                break;
            }
        }
        let params = self.pop_list(begin)?;
        self.make(Node::TemplateArgs { params, requires })
    }
}

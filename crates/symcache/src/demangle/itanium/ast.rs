//! The syntax tree of a demangled name: nodes in one arena, children by index.
//!
//! Node kinds follow the Itanium C++ ABI grammar (section 5.1) and are printed the way LLVM's
//! demangler prints them (`print.rs`). Keeping every node in one `Vec` makes substitutions and
//! template-parameter references plain indices (a name is a DAG, and a forward template
//! reference can even close a cycle), so nothing is freed recursively and nothing can
//! overflow the stack when the tree is dropped.

/// Index of a node in [`Arena::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeId(pub u32);

/// A run of node ids in [`Arena::lists`].
#[derive(Clone, Copy, Debug, Default)]
pub struct List {
    pub start: u32,
    pub len: u32,
}

/// Whether a node prints something after the declarator name (`(int)` of a function type,
/// `[4]` of an array), or holds an array or a function type; `Unknown` = ask the node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cache {
    Yes,
    No,
    Unknown,
}

/// Operator precedence, tightest first: an operand whose precedence is not tighter than its
/// context gets parentheses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Prec {
    Primary,
    Postfix,
    Unary,
    Cast,
    PtrMem,
    Multiplicative,
    Additive,
    Shift,
    Spaceship,
    Relational,
    Equality,
    And,
    Xor,
    Ior,
    AndIf,
    OrIf,
    Conditional,
    Assign,
    Comma,
    Default,
}

pub const QUAL_CONST: u8 = 1;
pub const QUAL_VOLATILE: u8 = 2;
pub const QUAL_RESTRICT: u8 = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefQual {
    None,
    LValue,
    RValue,
}

/// `Sa`, `Sb`, `Ss`, `Si`, `So`, `Sd`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecialSub {
    Allocator,
    BasicString,
    String,
    IStream,
    OStream,
    IOStream,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatKind {
    Float,
    Double,
    LongDouble,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateParamKind {
    Type,
    NonType,
    Template,
}

type Id = NodeId;

#[derive(Clone, Debug)]
pub enum Node<'a> {
    /// A name or builtin type printed as is.
    Name(&'a str),
    /// `f() (.cold)`: a compiler clone suffix.
    DotSuffix {
        prefix: Id,
        suffix: &'a str,
    },
    VendorExtQual {
        ty: Id,
        ext: &'a str,
        args: Option<Id>,
    },
    Qual {
        child: Id,
        quals: u8,
    },
    ConversionOperator {
        ty: Id,
    },
    PostfixQualified {
        ty: Id,
        postfix: &'a str,
    },
    BitInt {
        size: Id,
        signed: bool,
    },
    Elaborated {
        kind: &'a str,
        child: Id,
    },
    Transformed {
        transform: &'a str,
        base: Id,
    },
    AbiTag {
        base: Id,
        tag: &'a str,
    },
    EnableIf {
        conditions: List,
    },
    ObjCProto {
        ty: Id,
        protocol: &'a str,
    },
    Pointer {
        pointee: Id,
    },
    Reference {
        pointee: Id,
        rvalue: bool,
    },
    PointerToMember {
        class: Id,
        member: Id,
    },
    Array {
        base: Id,
        dimension: Option<Id>,
    },
    Function {
        ret: Id,
        params: List,
        quals: u8,
        ref_qual: RefQual,
        exception: Option<Id>,
    },
    NoexceptSpec {
        expr: Id,
    },
    DynamicExceptionSpec {
        types: List,
    },
    ExplicitObjectParameter {
        base: Id,
    },
    /// A function's name and signature. The return type is parsed (it can be referenced by
    /// substitutions) but never printed: Symbolicator's style.
    Encoding {
        name: Id,
        params: List,
        attrs: Option<Id>,
        requires: Option<Id>,
        quals: u8,
        ref_qual: RefQual,
    },
    LiteralOperator {
        name: Id,
    },
    Special {
        prefix: &'a str,
        child: Id,
    },
    CtorVtable {
        first: Id,
        second: Id,
    },
    Nested {
        qual: Id,
        name: Id,
    },
    MemberLikeFriend {
        qual: Id,
        name: Id,
    },
    Module {
        parent: Option<Id>,
        name: Id,
        partition: bool,
    },
    ModuleEntity {
        module: Id,
        name: Id,
    },
    Local {
        encoding: Id,
        entity: Id,
    },
    Qualified {
        qualifier: Id,
        name: Id,
    },
    Vector {
        base: Id,
        dimension: Option<Id>,
    },
    PixelVector {
        dimension: Id,
    },
    BinaryFp {
        dimension: Id,
    },
    SyntheticTemplateParam {
        kind: TemplateParamKind,
        index: u32,
    },
    TemplateParamQualifiedArg {
        arg: Id,
    },
    TypeTemplateParamDecl {
        name: Id,
    },
    ConstrainedTypeTemplateParamDecl {
        constraint: Id,
        name: Id,
    },
    NonTypeTemplateParamDecl {
        name: Id,
        ty: Id,
    },
    TemplateTemplateParamDecl {
        name: Id,
        params: List,
        requires: Option<Id>,
    },
    TemplateParamPackDecl {
        param: Id,
    },
    /// The value of a template parameter that is a pack (what `T_` refers to).
    ParameterPack {
        data: List,
    },
    /// A pack written as a template argument (`J ... E`).
    TemplateArgumentPack {
        elements: List,
    },
    /// `Dp`/`sp`: the child printed once per element of the pack it mentions.
    PackExpansion {
        child: Id,
    },
    TemplateArgs {
        params: List,
        requires: Option<Id>,
    },
    /// A template parameter used before its template arguments are known (conversion
    /// operators); `target` is filled in when they are.
    ForwardRef {
        index: u32,
        target: Option<Id>,
    },
    NameWithTemplateArgs {
        name: Id,
        args: Id,
    },
    GlobalQualified {
        child: Id,
    },
    SpecialSubstitution {
        kind: SpecialSub,
        expanded: bool,
    },
    CtorDtor {
        base: Id,
        dtor: bool,
    },
    Dtor {
        base: Id,
    },
    Unnamed {
        count: &'a str,
    },
    Closure {
        template_params: List,
        requires1: Option<Id>,
        params: List,
        requires2: Option<Id>,
        count: &'a str,
    },
    StructuredBinding {
        bindings: List,
    },
    Binary {
        lhs: Id,
        op: &'a str,
        rhs: Id,
    },
    ArraySubscript {
        lhs: Id,
        index: Id,
    },
    Postfix {
        child: Id,
        op: &'a str,
    },
    Conditional {
        cond: Id,
        then: Id,
        other: Id,
    },
    Member {
        lhs: Id,
        kind: &'a str,
        rhs: Id,
    },
    Subobject {
        ty: Id,
        expr: Id,
        offset: &'a str,
    },
    Enclosing {
        prefix: &'a str,
        infix: Id,
    },
    Cast {
        kind: &'a str,
        to: Id,
        from: Id,
    },
    SizeofParamPack {
        pack: Id,
    },
    Call {
        callee: Id,
        args: List,
    },
    New {
        exprs: List,
        ty: Id,
        inits: List,
        global: bool,
        array: bool,
    },
    Delete {
        op: Id,
        global: bool,
        array: bool,
    },
    Prefix {
        prefix: &'a str,
        child: Id,
    },
    FunctionParam {
        number: &'a str,
    },
    Conversion {
        ty: Id,
        exprs: List,
    },
    PointerToMemberConversion {
        ty: Id,
        expr: Id,
    },
    InitList {
        ty: Option<Id>,
        inits: List,
    },
    Braced {
        elem: Id,
        init: Id,
        array: bool,
    },
    BracedRange {
        first: Id,
        last: Id,
        init: Id,
    },
    Fold {
        pack: Id,
        init: Option<Id>,
        op: &'a str,
        left: bool,
    },
    Throw {
        op: Id,
    },
    Bool(bool),
    StringLiteral {
        ty: Id,
    },
    Lambda {
        ty: Id,
    },
    EnumLiteral {
        ty: Id,
        value: &'a str,
    },
    IntegerLiteral {
        ty: &'a str,
        value: &'a str,
    },
    FloatLiteral {
        kind: FloatKind,
        contents: &'a str,
    },
    NodeArray {
        list: List,
    },
    Requires {
        params: List,
        requirements: List,
    },
    ExprRequirement {
        expr: Id,
        noexcept: bool,
        constraint: Option<Id>,
    },
    TypeRequirement {
        ty: Id,
    },
    NestedRequirement {
        constraint: Id,
    },
}

pub struct Slot<'a> {
    pub node: Node<'a>,
    pub prec: Prec,
    pub rhs: Cache,
    pub array: Cache,
    pub function: Cache,
}

/// Every node of one name. Sizes are bounded by the parser (see `MAX_NODES`).
#[derive(Default)]
pub struct Arena<'a> {
    pub nodes: Vec<Slot<'a>>,
    pub lists: Vec<NodeId>,
}

/// A demangled name needs far fewer nodes than this; a hostile input hits the cap and fails.
pub const MAX_NODES: usize = 1 << 16;

impl<'a> Arena<'a> {
    pub fn get(&self, id: NodeId) -> &Node<'a> {
        &self.nodes[id.0 as usize].node
    }

    pub fn slot(&self, id: NodeId) -> &Slot<'a> {
        &self.nodes[id.0 as usize]
    }

    pub fn list(&self, list: List) -> &[NodeId] {
        let start = list.start as usize;
        &self.lists[start..start + list.len as usize]
    }

    /// Adds a node with the caches its kind starts with (a pointer is as "right-sided" as
    /// what it points to, a function type always is, ...). `None` when the arena is full.
    pub fn add(&mut self, node: Node<'a>, prec: Prec) -> Option<NodeId> {
        if self.nodes.len() >= MAX_NODES {
            return None;
        }
        let (rhs, array, function) = self.initial_caches(&node);
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Slot {
            node,
            prec,
            rhs,
            array,
            function,
        });
        Some(id)
    }

    pub fn add_list(&mut self, ids: &[NodeId]) -> Option<List> {
        if self.lists.len() + ids.len() > MAX_NODES * 4 {
            return None;
        }
        let start = self.lists.len() as u32;
        self.lists.extend_from_slice(ids);
        Some(List {
            start,
            len: ids.len() as u32,
        })
    }

    fn initial_caches(&self, node: &Node<'a>) -> (Cache, Cache, Cache) {
        use Cache::*;
        let of = |id: NodeId| {
            let s = self.slot(id);
            (s.rhs, s.array, s.function)
        };
        match *node {
            Node::Qual { child, .. } => of(child),
            Node::AbiTag { base, .. } => of(base),
            Node::Pointer { pointee } | Node::Reference { pointee, .. } => (of(pointee).0, No, No),
            Node::PointerToMember { member, .. } => (of(member).0, No, No),
            Node::Array { .. } => (Yes, Yes, No),
            Node::Function { .. } | Node::Encoding { .. } => (Yes, No, Yes),
            Node::TypeTemplateParamDecl { .. }
            | Node::ConstrainedTypeTemplateParamDecl { .. }
            | Node::NonTypeTemplateParamDecl { .. }
            | Node::TemplateTemplateParamDecl { .. }
            | Node::TemplateParamPackDecl { .. } => (Yes, No, No),
            Node::ForwardRef { .. } => (Unknown, Unknown, Unknown),
            Node::ParameterPack { data } => {
                let items = self.list(data);
                let all_no = |f: fn(&Slot<'a>) -> Cache| {
                    if items.iter().all(|&i| f(self.slot(i)) == No) {
                        No
                    } else {
                        Unknown
                    }
                };
                (
                    all_no(|s| s.rhs),
                    all_no(|s| s.array),
                    all_no(|s| s.function),
                )
            }
            _ => (No, No, No),
        }
    }
}

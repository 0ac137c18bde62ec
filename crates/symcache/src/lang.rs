//! Source languages, with symbolic's numeric codes (they are stored in function records).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Unknown = 0,
    C = 1,
    Cpp = 2,
    D = 3,
    Go = 4,
    ObjC = 5,
    ObjCpp = 6,
    Rust = 7,
    Swift = 8,
    CSharp = 9,
    VisualBasic = 10,
    FSharp = 11,
}

impl Lang {
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The language of a stored code (`code`'s inverse); unknown codes are `Unknown`.
    pub fn from_code(code: u32) -> Lang {
        match code {
            1 => Lang::C,
            2 => Lang::Cpp,
            3 => Lang::D,
            4 => Lang::Go,
            5 => Lang::ObjC,
            6 => Lang::ObjCpp,
            7 => Lang::Rust,
            8 => Lang::Swift,
            9 => Lang::CSharp,
            10 => Lang::VisualBasic,
            11 => Lang::FSharp,
            _ => Lang::Unknown,
        }
    }

    /// `DW_AT_language` to our language, as symbolic maps it.
    pub fn from_dwarf(lang: u16) -> Lang {
        match lang {
            0x0001 | 0x0002 | 0x000c | 0x001d | 0x002c => Lang::C, // C89, C, C99, C11, C17
            0x0004 | 0x0019 | 0x001a | 0x0021 | 0x002a | 0x002b => Lang::Cpp, // C++ 98..20
            0x0013 => Lang::D,
            0x0016 => Lang::Go,
            0x0010 => Lang::ObjC,
            0x0011 => Lang::ObjCpp,
            0x001c => Lang::Rust,
            0x001e => Lang::Swift,
            _ => Lang::Unknown,
        }
    }

    /// Guess the language from a mangled name, as symbolic-demangle does for unknown names.
    pub fn detect(name: &str) -> Lang {
        if (name.starts_with("-[") || name.starts_with("+[")) && name.ends_with(']') {
            return Lang::ObjC;
        }
        if rustc_demangle::try_demangle(name).is_ok() {
            return Lang::Rust;
        }
        if name.starts_with("_Z")
            || name.starts_with("__Z")
            || name.starts_with("___Z")
            || name.starts_with("____Z")
            || name.starts_with('?')
            || name.starts_with("@?")
        {
            return Lang::Cpp;
        }
        Lang::Unknown
    }
}

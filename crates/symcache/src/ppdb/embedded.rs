//! Portable PDBs embedded in a .NET PE: the debug directory entry of type 17
//! (IMAGE_DEBUG_TYPE_EMBEDDED_PORTABLE_PDB, written by `-debug:embedded`) holds
//! `"MPDB" | uncompressed size u32 | raw DEFLATE stream` (dotnet/runtime
//! `docs/design/specs/PE-COFF.md`, "Embedded Portable PDB Debug Directory Entry").
//!
//! ```text
//! PE        "MZ" … e_lfanew u32 @0x3C → "PE\0\0" | COFF header (20) | optional header
//!           (magic 0x10B PE32: data directories @96, 0x20B PE32+: @112) | section headers (40 each)
//! directory 6 = debug: RVA, size → entries of 28 bytes {…, type u32 @12, size u32 @16,
//!           rva u32 @20, file offset u32 @24}
//! ```

use super::metadata::{bad, Reader};
use crate::error::{Error, ErrorKind, Result};
use std::io::Read;

const EMBEDDED_PORTABLE_PDB: u32 = 17;

/// The inflated Portable PDB of a .NET PE, at most `limit` bytes.
pub fn extract(pe: &[u8], limit: u64) -> Result<Vec<u8>> {
    let (offset, size) = debug_entry(pe).ok_or_else(|| {
        Error::new(
            ErrorKind::Unsupported,
            "this PE file embeds no Portable PDB (no debug directory entry of type 17); upload the .pdb file built next to it",
        )
    })?;
    let data = pe
        .get(offset..offset.saturating_add(size))
        .ok_or_else(|| bad("the PE's embedded Portable PDB lies outside the file"))?;
    let mut r = Reader::new(data);
    if r.bytes(4) != Some(&b"MPDB"[..]) {
        return Err(bad(
            "the PE's embedded Portable PDB entry does not start with MPDB",
        ));
    }
    let inflated = r
        .u32()
        .ok_or_else(|| bad("the PE's embedded Portable PDB entry is truncated"))?
        as u64;
    if inflated > limit {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "the embedded Portable PDB inflates to {} MiB; up to {} MiB are read",
                inflated >> 20,
                limit >> 20
            ),
        ));
    }
    let mut out = Vec::with_capacity(inflated as usize);
    flate2::read::DeflateDecoder::new(&data[8..])
        .take(inflated + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            bad(format!(
                "the PE's embedded Portable PDB does not inflate: {}",
                e
            ))
        })?;
    if out.len() as u64 != inflated {
        return Err(bad(format!(
            "the PE's embedded Portable PDB inflates to {} bytes, not the {} its header declares",
            out.len(),
            inflated
        )));
    }
    Ok(out)
}

/// (file offset, size) of the embedded Portable PDB's debug directory data.
fn debug_entry(pe: &[u8]) -> Option<(usize, usize)> {
    let lfanew = Reader::at(pe, 0x3C).u32()? as usize;
    let mut r = Reader::at(pe, lfanew);
    if r.bytes(4)? != b"PE\0\0" {
        return None;
    }
    let sections = Reader::at(pe, lfanew + 6).u16()? as usize;
    let optional_size = Reader::at(pe, lfanew + 20).u16()? as usize;
    let optional = lfanew + 24;
    let directories = match Reader::at(pe, optional).u16()? {
        0x10B => optional + 96,
        0x20B => optional + 112,
        _ => return None,
    };
    let mut d = Reader::at(pe, directories + 6 * 8);
    let (debug_rva, debug_size) = (d.u32()? as usize, d.u32()? as usize);
    let section_table = optional.checked_add(optional_size)?;
    let to_offset = |rva: usize| -> Option<usize> {
        (0..sections.min(96)).find_map(|i| {
            let mut s = Reader::at(pe, section_table + i * 40 + 8);
            let (vsize, vaddr, raw_size, raw_ptr) = (
                s.u32()? as usize,
                s.u32()? as usize,
                s.u32()? as usize,
                s.u32()? as usize,
            );
            let span = vsize.max(raw_size);
            (rva >= vaddr && rva < vaddr.checked_add(span)?).then(|| raw_ptr + (rva - vaddr))
        })
    };
    let table = to_offset(debug_rva)?;
    for i in 0..(debug_size / 28).min(64) {
        let mut e = Reader::at(pe, table + i * 28 + 12);
        let (kind, size, _rva, pointer) =
            (e.u32()?, e.u32()? as usize, e.u32()?, e.u32()? as usize);
        if kind == EMBEDDED_PORTABLE_PDB {
            return Some((pointer, size));
        }
    }
    None
}

//! Where the line breaks of a chunk are.
//!
//! The parser splits every chunk into lines, and a big plan's lines are short (most are under 40
//! bytes), so a search per line pays a search's set-up for very little scanning: on a 17 MB plan
//! that set-up cost more than a tenth of the whole parse. Instead, each 64-byte block is compared
//! with `\n` once, into a 64-bit mask, and the line breaks are then read off the mask one bit at a
//! time.

/// The positions of `\n` in a byte slice, in order.
#[derive(Debug, Clone)]
pub struct Newlines<'a> {
    haystack: &'a [u8],
    /// Where the block of `mask` starts.
    block_start: usize,
    /// Where the next block starts.
    next_block: usize,
    /// The line breaks of the current block not yet returned, one bit per byte.
    mask: u64,
}

const BLOCK: usize = 64;

/// The positions of `\n` in `haystack`, in order (what `memchr_iter(b'\n', haystack)` gives).
pub fn newlines(haystack: &[u8]) -> Newlines<'_> {
    Newlines {
        haystack,
        block_start: 0,
        next_block: 0,
        mask: 0,
    }
}

impl Iterator for Newlines<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            let start = self.next_block;
            if start >= self.haystack.len() {
                return None;
            }
            let end = (start + BLOCK).min(self.haystack.len());
            self.mask = match <&[u8; BLOCK]>::try_from(&self.haystack[start..end]) {
                Ok(block) => simd_block_mask(block),
                Err(_) => tail_mask(&self.haystack[start..end]),
            };
            self.block_start = start;
            self.next_block = end;
        }
        let bit = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.block_start + bit)
    }
}

/// Bit `i` set when `block[i]` is `\n`, for a block shorter than [`BLOCK`].
fn tail_mask(block: &[u8]) -> u64 {
    block
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .fold(0, |mask, (i, _)| mask | 1 << i)
}

/// [`block_mask`] with SSE2, 16 bytes per comparison.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
fn simd_block_mask(block: &[u8; BLOCK]) -> u64 {
    // SAFETY: the function only needs SSE2, which this build targets (the cfg above): it is
    // part of the x86-64 baseline, so every processor that runs the binary has it.
    unsafe { sse2_block_mask(block) }
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn sse2_block_mask(block: &[u8; BLOCK]) -> u64 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_movemask_epi8, _mm_set_epi64x, _mm_set1_epi8};

    let newline = _mm_set1_epi8(b'\n' as i8);
    let mut mask = 0;
    for (i, lane) in block.chunks_exact(16).enumerate() {
        let (low, high) = lane.split_at(8);
        let low = u64::from_le_bytes(low.try_into().unwrap_or_default());
        let high = u64::from_le_bytes(high.try_into().unwrap_or_default());
        // The two halves make one 16-byte register (the compiler emits a single load), without
        // the raw-pointer load intrinsic.
        let bytes = _mm_set_epi64x(high as i64, low as i64);
        let hits = _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, newline)) as u16;
        mask |= u64::from(hits) << (16 * i);
    }
    mask
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
use block_mask as simd_block_mask;

/// Bit `i` set when `block[i]` is `\n`, portably, eight bytes to a 64-bit word: a byte of a word
/// is `\n` when it is zero after XOR with `\n` in every byte, and the exact zero-byte test (no
/// carries between bytes) marks it with its high bit.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn block_mask(block: &[u8; BLOCK]) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const NEWLINES: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let mut mask = 0;
    for (i, word) in block.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default()) ^ NEWLINES;
        let zero_high_bits = !(((word & LOW7) + LOW7) | word | LOW7);
        // Gather the eight high bits (bits 7, 15, ... 63) into one byte.
        let byte = (zero_high_bits >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56;
        mask |= byte << (8 * i);
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(haystack: &[u8]) -> Vec<usize> {
        memchr::memchr_iter(b'\n', haystack).collect()
    }

    #[test]
    fn finds_every_newline_at_every_offset_and_length() {
        // Lines of every length from 0 to 70 and all bytes around them, so each position within a
        // block and each block end is crossed.
        let mut haystack = Vec::new();
        for len in 0..70u8 {
            haystack.extend((0..len).map(|i| i.wrapping_mul(37) | 0x80));
            haystack.extend_from_slice(b"\x0b\x09\n");
        }
        for start in 0..70 {
            for end in [
                start,
                start + 1,
                start + 63,
                start + 64,
                start + 65,
                haystack.len(),
            ] {
                let slice = &haystack[start..end.min(haystack.len())];
                assert_eq!(newlines(slice).collect::<Vec<_>>(), expected(slice));
            }
        }
    }

    #[test]
    fn no_newline_and_all_newlines() {
        assert_eq!(newlines(b"").count(), 0);
        assert_eq!(newlines(&[b'x'; 200]).count(), 0);
        let all = [b'\n'; 130];
        assert_eq!(
            newlines(&all).collect::<Vec<_>>(),
            (0..130).collect::<Vec<_>>()
        );
    }

    #[test]
    fn portable_mask_matches_the_simd_one() {
        let mut block = [0u8; BLOCK];
        for seed in 0..2000u32 {
            for (i, b) in block.iter_mut().enumerate() {
                // Newlines, their neighbours and high bytes, in a pattern that changes per seed.
                let x = (seed.wrapping_mul(2_654_435_761) >> (i % 24)) as u8;
                *b = match x % 5 {
                    0 => b'\n',
                    1 => b'\x0b',
                    2 => b'\x8a',
                    3 => 0,
                    _ => x,
                };
            }
            assert_eq!(block_mask(&block), simd_block_mask(&block), "{block:?}");
            assert_eq!(block_mask(&block), tail_mask(&block));
        }
    }
}

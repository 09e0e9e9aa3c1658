//! `--shard K/N`: split a corpus over N runs with no coordinator. An article
//! belongs to shard `1 + (h mod N)`, where `h` is the first 8 bytes of the
//! SHA-256 of its id read as a big-endian integer: the same on every
//! machine, platform and build (Rust's `DefaultHasher` promises none of
//! that). Shards are numbered from 1. An input that cannot be read has no
//! id; its failure record goes to shard 1, so the N outputs together hold
//! exactly the records of a single run.

use sha2::{Digest, Sha256};

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Shard `index` of `count` (1 ≤ index ≤ count).
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 || index == 0 || index > count {
            return Err(format!(
                "shard {index}/{count} does not exist: K/N needs 1 <= K <= N (shards are numbered from 1)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The shard (1-based) that the article with this id belongs to, out of `count`.
    pub fn of_id(id: &str, count: u64) -> u64 {
        let digest = Sha256::digest(id.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        1 + u64::from_be_bytes(first) % count.max(1)
    }

    /// Whether this shard writes the record of an article with `id`
    /// (`None`: an input that could not be read, which shard 1 writes).
    pub fn keeps(&self, id: Option<&str>) -> bool {
        match id {
            Some(id) => Shard::of_id(id, self.count) == self.index,
            None => self.index == 1,
        }
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let usage = || format!("shard {s:?} is not K/N (e.g. 2/8: the second of eight shards)");
        let (k, n) = s.split_once('/').ok_or_else(usage)?;
        let k: u64 = k.trim().parse().map_err(|_| usage())?;
        let n: u64 = n.trim().parse().map_err(|_| usage())?;
        Shard::new(k, n)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses_impossible_shards() {
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/4", "5/4", "1/0", "x/4", "3", "1/-2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_id_is_in_exactly_one_shard() {
        let n = 5;
        let shards: Vec<Shard> = (1..=n).map(|k| Shard::new(k, n).unwrap()).collect();
        let mut sizes = vec![0usize; n as usize];
        for i in 0..2000 {
            let id = format!("article-{i}");
            let owners: Vec<usize> = (0..shards.len())
                .filter(|&s| shards[s].keeps(Some(&id)))
                .collect();
            assert_eq!(owners.len(), 1, "{id}");
            sizes[owners[0]] += 1;
        }
        // SHA-256 spreads ids evenly: each shard near 400 of 2000.
        assert!(sizes.iter().all(|&s| (300..500).contains(&s)), "{sizes:?}");
        assert!(shards[0].keeps(None) && !shards[1].keeps(None));
    }

    #[test]
    fn the_hash_is_the_documented_one() {
        // sha256("a") = ca978112ca1bbdca…; 0xca978112ca1bbdca % 7 = 4 → shard 5.
        assert_eq!(0xca97_8112_ca1b_bdca_u64 % 7, 4);
        assert_eq!(Shard::of_id("a", 7), 5);
    }
}

//! `VecMap`: a map kept as a list of pairs, for the browser's few small maps.
//!
//! std's `HashMap` brings its hashing and its table code (growing, probing, removing) into the
//! browser's bundle once for every key and value type it is used with. The bundle's maps (the
//! replies read per thread, the reply drafts, the history entries' scroll positions) hold no
//! more than a page's threads or the entries of a visit's history; a list looked through from
//! its start is a few hundred bytes of code per type, and for maps of this length no slower to
//! read. (A page's threads, which `build_thread` had in a map while building it, are looked
//! through the same way.)

/// Pairs in no order the map promises (a removal moves the last pair into the gap); at most
/// one per key.
#[derive(Clone, Debug, PartialEq)]
pub struct VecMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<K: PartialEq, V> VecMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    fn at(&self, key: &K) -> Option<usize> {
        self.0.iter().position(|(k, _)| k == key)
    }

    pub fn get(&self, key: &K) -> Option<&V> {
        self.at(key).map(|i| &self.0[i].1)
    }

    /// Sets the value for `key`, returning the one it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.at(&key) {
            Some(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.at(key).map(|i| self.0.swap_remove(i).1)
    }

    /// The value for `key`, inserting `value` first if there is none.
    pub fn get_or_insert(&mut self, key: K, value: V) -> &mut V {
        let i = match self.at(&key) {
            Some(i) => i,
            None => {
                self.0.push((key, value));
                self.0.len() - 1
            }
        };
        &mut self.0[i].1
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::VecMap;
    use std::collections::HashMap;

    #[test]
    fn behaves_as_a_hash_map_through_inserts_removals_and_lookups() {
        // The same operations on both maps, keys from a small range so that they repeat.
        let (mut ours, mut std) = (VecMap::new(), HashMap::new());
        let mut x = 7u32;
        for step in 0..2_000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let key = (x >> 8) % 40;
            match x % 4 {
                0 => assert_eq!(ours.remove(&key), std.remove(&key), "remove {key} at {step}"),
                1 => {
                    let a = ours.get_or_insert(key, step);
                    let b = std.entry(key).or_insert(step);
                    assert_eq!(*a, *b);
                    *a += 1;
                    *b += 1;
                }
                _ => assert_eq!(ours.insert(key, step), std.insert(key, step), "insert {key} at {step}"),
            }
            assert_eq!(ours.len(), std.len());
            for k in 0..40 {
                assert_eq!(ours.get(&k), std.get(&k), "get {k} at {step}");
            }
        }
        assert!(!ours.is_empty());
    }
}

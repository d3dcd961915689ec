//! Load-time problems, reported as `file:line: message` so an IT admin can
//! jump straight to the spot in the mapping file.

use std::fmt;

/// One thing wrong with a mapping file. `ledgerbridge check` prints every
/// problem of every file (never just the first) and exits 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingProblem {
    /// The file as it was found (`<dir>/<name>.toml`).
    pub file: String,
    /// 1-based line in that file.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for MappingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Byte offset → 1-based (line, column), for TOML spans.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line.saturating_sub(1)];
        (line.max(1), offset - start + 1)
    }
}

/// Collects problems for one file.
#[derive(Debug)]
pub(crate) struct Problems {
    pub file: String,
    pub list: Vec<MappingProblem>,
}

impl Problems {
    pub fn new(file: String) -> Self {
        Problems {
            file,
            list: Vec::new(),
        }
    }

    pub fn add(&mut self, line: usize, message: impl Into<String>) {
        let p = MappingProblem {
            file: self.file.clone(),
            line,
            message: message.into(),
        };
        // the same spot can be reached twice (e.g. an arm evaluated alone and
        // as part of its expression); report it once
        if !self.list.contains(&p) {
            self.list.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_to_lines() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(2), (2, 1));
        assert_eq!(idx.line_col(3), (2, 2));
        assert_eq!(idx.line_col(5), (3, 1));
        assert_eq!(idx.line_col(6), (4, 1));
    }
}

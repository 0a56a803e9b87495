//! Terminal output: colour on a terminal, plain text when piped, JSON with --json.

use std::io::IsTerminal;

pub struct Output {
    pub json: bool,
    colour: bool,
}

impl Output {
    pub fn new(json: bool) -> Output {
        let colour =
            !json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Output { json, colour }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }

    /// A transient status line on a terminal (stderr, erased by `progress_done`).
    pub fn progress(&self, text: &str) {
        if self.colour {
            eprint!("{}", self.dim(text));
        }
    }

    pub fn progress_done(&self) {
        if self.colour {
            eprint!("\r\x1b[2K");
        }
    }

    pub fn heading(&self, text: &str) {
        if !self.json {
            println!("\n{}", self.bold(&format!("== {text}")));
        }
    }

    pub fn error(&self, e: &foundry_client::Error) {
        if self.json {
            println!("{}", e.to_json());
        } else {
            eprintln!("{} {}", self.red("error:"), e);
        }
    }

    /// A left-aligned table; widths from the content.
    pub fn table(&self, header: &[&str], rows: &[Vec<String>]) {
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(visible_len(cell));
                }
            }
        }
        let line = |cells: Vec<String>| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(visible_len(c)))))
                .collect();
            println!("  {}", padded.join("  ").trim_end());
        };
        line(header.iter().map(|h| self.bold(h)).collect());
        for row in rows {
            line(row.clone());
        }
    }
}

/// Length without ANSI escapes.
fn visible_len(s: &str) -> usize {
    let mut len = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => len += 1,
        }
    }
    len
}

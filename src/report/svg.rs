//! A small SVG writer for the HTML report's charts: elements with escaped
//! attributes and text, so nothing from an article can close an element or
//! start a script.
//!
//! ```
//! use newsframe::report::svg::Svg;
//!
//! let mut svg = Svg::new(100.0, 20.0, "example");
//! svg.text(4.0, 14.0, "<b>&", &[("class", "label")]);
//! assert!(svg.finish().contains("&lt;b&gt;&amp;"));
//! ```

use std::fmt::Write;

/// Escapes text for XML/HTML element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// An SVG document under construction.
pub struct Svg {
    body: String,
}

/// Attributes as (name, value) pairs; names are the writer's own, values
/// are escaped.
pub type Attrs<'a> = &'a [(&'a str, &'a str)];

impl Svg {
    /// A new SVG of `width` × `height` pixels, labelled for screen readers.
    pub fn new(width: f64, height: f64, label: &str) -> Svg {
        let mut body = String::new();
        let _ = write!(
            body,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{l}">"#,
            w = num(width),
            h = num(height),
            l = escape(label)
        );
        Svg { body }
    }

    /// Raw markup the writer made itself (patterns, gradients); never
    /// pass text from an article here.
    pub fn raw(&mut self, markup: &str) {
        self.body.push_str(markup);
    }

    pub fn open_group(&mut self, attrs: Attrs) {
        self.body.push_str("<g");
        self.attrs(attrs);
        self.body.push('>');
    }

    pub fn close_group(&mut self) {
        self.body.push_str("</g>");
    }

    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, attrs: Attrs) {
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}""#,
            num(x),
            num(y),
            num(w),
            num(h)
        );
        self.attrs(attrs);
        self.body.push_str("/>");
    }

    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, attrs: Attrs) {
        let _ = write!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}""#,
            num(x1),
            num(y1),
            num(x2),
            num(y2)
        );
        self.attrs(attrs);
        self.body.push_str("/>");
    }

    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, attrs: Attrs) {
        let _ = write!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{}""#,
            num(cx),
            num(cy),
            num(r)
        );
        self.attrs(attrs);
        self.body.push_str("/>");
    }

    pub fn text(&mut self, x: f64, y: f64, text: &str, attrs: Attrs) {
        let _ = write!(self.body, r#"<text x="{}" y="{}""#, num(x), num(y));
        self.attrs(attrs);
        let _ = write!(self.body, ">{}</text>", escape(text));
    }

    /// A tooltip for the enclosing group.
    pub fn title(&mut self, text: &str) {
        let _ = write!(self.body, "<title>{}</title>", escape(text));
    }

    pub fn finish(mut self) -> String {
        self.body.push_str("</svg>");
        self.body
    }

    fn attrs(&mut self, attrs: Attrs) {
        for (name, value) in attrs {
            let _ = write!(self.body, r#" {name}="{}""#, escape(value));
        }
    }
}

/// Coordinates with at most two decimals, for compact markup.
fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    format!("{r}")
}

/// ColorBrewer RdBu (11 classes), negative (red) to positive (blue):
/// diverging and safe for the common colour-vision deficiencies.
pub const RDBU: [(u8, u8, u8); 11] = [
    (0x67, 0x00, 0x1f),
    (0xb2, 0x18, 0x2b),
    (0xd6, 0x60, 0x4d),
    (0xf4, 0xa5, 0x82),
    (0xfd, 0xdb, 0xc7),
    (0xf7, 0xf7, 0xf7),
    (0xd1, 0xe5, 0xf0),
    (0x92, 0xc5, 0xde),
    (0x43, 0x93, 0xc3),
    (0x21, 0x66, 0xac),
    (0x05, 0x30, 0x61),
];

/// The colour of a score in [−1, 1], interpolated along [`RDBU`].
pub fn score_colour(score: f64) -> String {
    let t = ((score.clamp(-1.0, 1.0) + 1.0) / 2.0) * (RDBU.len() - 1) as f64;
    let i = (t.floor() as usize).min(RDBU.len() - 2);
    let f = t - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (RDBU[i], RDBU[i + 1]);
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// Text colour readable on [`score_colour`]`(score)`.
pub fn text_colour_on(score: f64) -> &'static str {
    if score.abs() > 0.55 {
        "#ffffff"
    } else {
        "#1a1a1a"
    }
}

/// The charts' font stack: the reader's system font.
pub const FONT: &str =
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif";

/// Cuts `text` to `max` characters, ending with an ellipsis when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_leave_its_element() {
        let mut svg = Svg::new(10.0, 10.0, "</svg><script>x</script>");
        svg.text(
            0.0,
            0.0,
            "</text></svg><script>alert(1)</script>",
            &[("data-x", "\"><img>")],
        );
        svg.title("<img src=x onerror=alert(1)>");
        let out = svg.finish();
        assert!(!out.contains("<script"));
        assert!(!out.contains("<img"));
        assert_eq!(out.matches("</svg>").count(), 1);
    }

    #[test]
    fn scale_ends_and_middle() {
        assert_eq!(score_colour(-1.0), "#67001f");
        assert_eq!(score_colour(0.0), "#f7f7f7");
        assert_eq!(score_colour(1.0), "#053061");
    }
}

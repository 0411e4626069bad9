//! Small utilities of the command line: the format table, decoding and encoding one value, and
//! a little expression language evaluated with the paper's left-to-right rule.

use anyhow::{anyhow, bail, Result};
use fpcore::text::{format_exact_decimal, format_hexfloat, format_shortest, parse_value};
use fpcore::{Env, Flags, Format, Kind, Rounded};

use crate::protocol::format_flags;

/// The table of named formats: parameters, largest finite value, smallest normal and
/// subnormal (shortest decimal and hex-float), and the specials kind.
pub fn formats_table() -> String {
    let mut out = format!(
        "{:<10} {:>4} {:>7} {:>6} {:>5}  {:<26} {:<26} {:<26} {}\n",
        "name", "p", "emin", "emax", "bits", "max", "min normal", "min subnormal", "specials"
    );
    for name in fpcore::format::NAMED_FORMATS {
        let f = Format::parse(name).expect("named formats parse");
        let show =
            |bits: u128| format!("{} ({})", format_shortest(&f, bits), format_hexfloat(&f, bits));
        let min_normal = 1u128 << f.frac_bits();
        let min_sub = if f.p() > 1 { show(f.min_positive(false)) } else { "-".to_string() };
        out.push_str(&format!(
            "{:<10} {:>4} {:>7} {:>6} {:>5}  {:<26} {:<26} {:<26} {:?}\n",
            f.name(),
            f.p(),
            f.emin(),
            f.emax(),
            f.bits(),
            show(f.max_finite(false)),
            show(min_normal),
            min_sub,
            f.specials()
        ));
    }
    out
}

/// Everything about one encoding: fields, class, exact value.
pub fn decode(fmt: &Format, bits: u128) -> String {
    let u = fmt.unpack(bits);
    let fb = fmt.frac_bits();
    let code = (bits >> fb) & ((1u128 << fmt.exp_bits()) - 1);
    let frac = bits & ((1u128 << fb) - 1);
    let mut out = format!(
        "format:      {} (p={}, emin={}, emax={}, {} bits)\nbits:        {}\n",
        fmt.name(),
        fmt.p(),
        fmt.emin(),
        fmt.emax(),
        fmt.bits(),
        fpcore::text::bits::format_bits(fmt, bits)
    );
    out.push_str(&format!(
        "sign:        {}\nexponent:    field {code:#x}\nfraction:    field {frac:#x}\nclass:       {}\n",
        u8::from(u.sign),
        fmt.classify(bits).name()
    ));
    if let Kind::Finite { sig, exp } = u.kind {
        let lead = i64::from(exp) + 127 - i64::from(sig.leading_zeros());
        out.push_str(&format!("significand: {sig:#x} (times 2^{exp}; leading bit at 2^{lead})\n"));
    }
    out.push_str(&format!(
        "value:       {}\nhex-float:   {}\nshortest:    {}\n",
        format_exact_decimal(fmt, bits),
        format_hexfloat(fmt, bits),
        format_shortest(fmt, bits)
    ));
    out
}

/// A value (decimal or hex-float text) rounded once to `fmt`: bits, flags, and what it became.
pub fn encode(env: &Env, fmt: &Format, text: &str) -> Result<String> {
    let r = parse_value(env, fmt, text).map_err(|e| anyhow!("{e}"))?;
    Ok(format!(
        "{} {}  {} ({})  [{}]\n",
        fpcore::text::bits::format_bits(fmt, r.value),
        format_flags(r.flags),
        format_shortest(fmt, r.value),
        format_hexfloat(fmt, r.value),
        r.flags
    ))
}

/// A token of the expression language.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    Num(String),
    Ident(String),
    Op(char),
    Open,
    Close,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '+' | '-' | '*' | '/' => {
                tokens.push(Token::Op(c));
                i += 1;
            }
            _ if c.is_ascii_digit() || c == '.' => {
                let start = i;
                let hex = c == '0' && chars.get(i + 1).is_some_and(|x| *x == 'x' || *x == 'X');
                if hex {
                    i += 2;
                }
                while i < chars.len() {
                    let d = chars[i];
                    let exp_mark = if hex { d == 'p' || d == 'P' } else { d == 'e' || d == 'E' };
                    if exp_mark {
                        i += 1;
                        if chars.get(i).is_some_and(|s| *s == '+' || *s == '-') {
                            i += 1;
                        }
                    } else if d.is_ascii_hexdigit() && (hex || d.is_ascii_digit()) || d == '.' {
                        i += 1;
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Num(chars[start..i].iter().collect()));
            }
            _ if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            }
            _ => bail!("unexpected character '{c}' at position {} of the expression", i + 1),
        }
    }
    Ok(tokens)
}

/// Recursive-descent evaluator: every operation rounds once, flags accumulate, operands of a
/// binary operator are evaluated left to right and chains associate to the left.
struct Eval<'a> {
    env: &'a Env,
    fmt: &'a Format,
    tokens: Vec<Token>,
    pos: usize,
    flags: Flags,
    depth: usize,
}

/// Deepest nesting accepted, so a hostile expression cannot exhaust the stack.
const MAX_DEPTH: usize = 200;

impl Eval<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn take(&mut self, r: Rounded<u128>) -> u128 {
        self.flags = self.flags.union(r.flags);
        r.value
    }

    /// expr := term (('+' | '-') term)*
    fn expr(&mut self) -> Result<u128> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            bail!("expression nested deeper than {MAX_DEPTH} levels");
        }
        let mut acc = self.term()?;
        while let Some(Token::Op(op @ ('+' | '-'))) = self.peek().cloned() {
            self.pos += 1;
            let rhs = self.term()?;
            let r = if op == '+' {
                fpcore::add(self.env, self.fmt, acc, rhs)
            } else {
                fpcore::sub(self.env, self.fmt, acc, rhs)
            };
            acc = self.take(r);
        }
        self.depth -= 1;
        Ok(acc)
    }

    /// term := unary (('*' | '/') unary)*
    fn term(&mut self) -> Result<u128> {
        let mut acc = self.unary()?;
        while let Some(Token::Op(op @ ('*' | '/'))) = self.peek().cloned() {
            self.pos += 1;
            let rhs = self.unary()?;
            let r = if op == '*' {
                fpcore::mul(self.env, self.fmt, acc, rhs)
            } else {
                fpcore::div(self.env, self.fmt, acc, rhs)
            };
            acc = self.take(r);
        }
        Ok(acc)
    }

    /// unary := '-' unary | atom (negation is exact)
    fn unary(&mut self) -> Result<u128> {
        if let Some(Token::Op('-')) = self.peek() {
            self.pos += 1;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                bail!("expression nested deeper than {MAX_DEPTH} levels");
            }
            let v = self.unary()?;
            self.depth -= 1;
            return Ok(fpcore::neg(self.fmt, v));
        }
        self.atom()
    }

    fn expect(&mut self, want: &Token, what: &str) -> Result<()> {
        match self.peek() {
            Some(t) if t == want => {
                self.pos += 1;
                Ok(())
            }
            other => bail!("expected {what}, found {}", describe(other)),
        }
    }

    /// atom := number | '(' expr ')' | name '(' expr (',' expr)* ')'
    fn atom(&mut self) -> Result<u128> {
        match self.peek().cloned() {
            Some(Token::Num(text)) => {
                self.pos += 1;
                let r = parse_value(self.env, self.fmt, &text).map_err(|e| anyhow!("{e}"))?;
                Ok(self.take(r))
            }
            Some(Token::Open) => {
                self.pos += 1;
                let v = self.expr()?;
                self.expect(&Token::Close, "')'")?;
                Ok(v)
            }
            Some(Token::Ident(name)) => {
                self.pos += 1;
                if matches!(name.as_str(), "inf" | "nan" | "infinity") {
                    let r = parse_value(self.env, self.fmt, &name).map_err(|e| anyhow!("{e}"))?;
                    return Ok(self.take(r));
                }
                self.expect(&Token::Open, &format!("'(' after '{name}'"))?;
                let mut args = vec![self.expr()?];
                while let Some(Token::Comma) = self.peek() {
                    self.pos += 1;
                    args.push(self.expr()?);
                }
                self.expect(&Token::Close, "')'")?;
                let r = match (name.as_str(), args.as_slice()) {
                    ("sqrt", [a]) => fpcore::sqrt(self.env, self.fmt, *a),
                    ("fma", [a, b, c]) => fpcore::fma(self.env, self.fmt, *a, *b, *c),
                    ("abs", [a]) => Rounded::exact(fpcore::abs(self.fmt, *a)),
                    ("min", [a, b]) => fpcore::minimum(self.env, self.fmt, *a, *b),
                    ("max", [a, b]) => fpcore::maximum(self.env, self.fmt, *a, *b),
                    _ => bail!(
                        "unknown function '{name}' with {} argument(s) (known: sqrt(x), fma(a,b,c), abs(x), min(a,b), max(a,b))",
                        args.len()
                    ),
                };
                Ok(self.take(r))
            }
            other => {
                bail!("expected a number, '(' or a function, found {}", describe(other.as_ref()))
            }
        }
    }
}

fn describe(t: Option<&Token>) -> String {
    match t {
        None => "the end of the expression".to_string(),
        Some(Token::Num(s)) | Some(Token::Ident(s)) => format!("'{s}'"),
        Some(Token::Op(c)) => format!("'{c}'"),
        Some(Token::Open) => "'('".to_string(),
        Some(Token::Close) => "')'".to_string(),
        Some(Token::Comma) => "','".to_string(),
    }
}

/// Evaluates an expression in `fmt`: literals rounded once to the format, `+ - * /` with the
/// usual precedence and left associativity (`a + b + c` is `(a ⊕ b) ⊕ c`, SEMANTICS §4),
/// parentheses, unary minus, and `sqrt`, `fma`, `abs`, `min`, `max`. Returns the result and
/// the union of every step's flags.
pub fn eval_expression(env: &Env, fmt: &Format, text: &str) -> Result<Rounded<u128>> {
    if text.len() > 1 << 16 {
        bail!("expression longer than 65536 characters");
    }
    let tokens = tokenize(text)?;
    let mut e = Eval { env, fmt, tokens, pos: 0, flags: Flags::NONE, depth: 0 };
    let v = e.expr()?;
    if e.pos != e.tokens.len() {
        bail!("unexpected {} after the expression", describe(e.peek()));
    }
    Ok(Rounded::new(v, e.flags))
}

/// The printed result of `fpx eval`.
pub fn eval_report(env: &Env, fmt: &Format, text: &str) -> Result<String> {
    let r = eval_expression(env, fmt, text)?;
    Ok(format!(
        "{} {}  {} ({})  [{}]\n",
        fpcore::text::bits::format_bits(fmt, r.value),
        format_flags(r.flags),
        format_shortest(fmt, r.value),
        format_hexfloat(fmt, r.value),
        r.flags
    ))
}

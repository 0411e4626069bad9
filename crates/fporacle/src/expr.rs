//! A small expression language evaluated in a format with the paper's left-to-right rule:
//! literals rounded once, `+ - * /` with the usual precedence (`*` and `/` bind tighter than
//! `+` and `-`, unary minus tightest), every chain associating to the left, parentheses, and
//! the functions `sqrt`, `fma`, `abs`, `min`, `max`.

use fpcore::text::parse_value;
use fpcore::{Ctx, Env, Format, Rounded};

use crate::error::Result;
use crate::invalid;

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
            _ => invalid!("unexpected character '{c}' at position {} of the expression", i + 1),
        }
    }
    Ok(tokens)
}

/// Recursive-descent evaluator: every operation rounds once (its flags ORed into the
/// context), operands of a binary operator are evaluated left to right and chains associate
/// to the left.
struct Eval {
    ctx: Ctx,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

/// Deepest nesting accepted, so a hostile expression cannot exhaust the stack.
const MAX_DEPTH: usize = 200;

/// The functions, as shown in messages.
const FUNCTIONS: &str = "sqrt(x), fma(a,b,c), abs(x), min(a,b), max(a,b)";

/// The number of arguments of a known function.
fn arity(name: &str) -> Option<usize> {
    match name {
        "sqrt" | "abs" => Some(1),
        "min" | "max" => Some(2),
        "fma" => Some(3),
        _ => None,
    }
}

impl Eval {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            invalid!("expression nested deeper than {MAX_DEPTH} levels");
        }
        Ok(())
    }

    /// `operand (op operand)*` for the operators `ops`, left to right, each step one rounding.
    fn chain(&mut self, ops: [char; 2], operand: fn(&mut Eval) -> Result<u128>) -> Result<u128> {
        let mut acc = operand(self)?;
        while let Some(&Token::Op(op)) = self.peek() {
            if !ops.contains(&op) {
                break;
            }
            self.pos += 1;
            let rhs = operand(self)?;
            acc = match op {
                '+' => self.ctx.add(acc, rhs),
                '-' => self.ctx.sub(acc, rhs),
                '*' => self.ctx.mul(acc, rhs),
                _ => self.ctx.div(acc, rhs),
            };
        }
        Ok(acc)
    }

    /// expr := term (('+' | '-') term)*
    fn expr(&mut self) -> Result<u128> {
        self.enter()?;
        let v = self.chain(['+', '-'], Eval::term)?;
        self.depth -= 1;
        Ok(v)
    }

    /// term := unary (('*' | '/') unary)*
    fn term(&mut self) -> Result<u128> {
        self.chain(['*', '/'], Eval::unary)
    }

    /// unary := '-' unary | atom (negation is exact)
    fn unary(&mut self) -> Result<u128> {
        if let Some(Token::Op('-')) = self.peek() {
            self.pos += 1;
            self.enter()?;
            let v = self.unary()?;
            self.depth -= 1;
            return Ok(self.ctx.neg(v));
        }
        self.atom()
    }

    fn expect(&mut self, want: &Token, what: &str) -> Result<()> {
        match self.peek() {
            Some(t) if t == want => {
                self.pos += 1;
                Ok(())
            }
            other => invalid!("expected {what}, found {}", describe(other)),
        }
    }

    fn literal(&mut self, text: &str) -> Result<u128> {
        let r = parse_value(&self.ctx.env, &self.ctx.fmt, text)?;
        Ok(self.ctx.take(r))
    }

    /// atom := number | '(' expr ')' | name '(' expr (',' expr)* ')'
    fn atom(&mut self) -> Result<u128> {
        match self.peek().cloned() {
            Some(Token::Num(text)) => {
                self.pos += 1;
                self.literal(&text)
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
                    return self.literal(&name);
                }
                let Some(n_args) = arity(&name) else {
                    invalid!(
                        "unknown name '{name}' (known: the numbers inf, infinity, nan and the functions {FUNCTIONS})"
                    );
                };
                self.expect(&Token::Open, &format!("'(' after '{name}'"))?;
                let mut args = vec![self.expr()?];
                while let Some(Token::Comma) = self.peek() {
                    self.pos += 1;
                    args.push(self.expr()?);
                }
                self.expect(&Token::Close, "')'")?;
                let ctx = &mut self.ctx;
                Ok(match (name.as_str(), args.as_slice()) {
                    ("sqrt", [a]) => ctx.sqrt(*a),
                    ("fma", [a, b, c]) => ctx.fma(*a, *b, *c),
                    ("abs", [a]) => fpcore::abs(&ctx.fmt, *a),
                    ("min", [a, b]) => ctx.take(fpcore::minimum(&ctx.env, &ctx.fmt, *a, *b)),
                    ("max", [a, b]) => ctx.take(fpcore::maximum(&ctx.env, &ctx.fmt, *a, *b)),
                    _ => invalid!(
                        "'{name}' takes {n_args} argument(s), got {} (functions: {FUNCTIONS})",
                        args.len()
                    ),
                })
            }
            other => {
                invalid!("expected a number, '(' or a function, found {}", describe(other.as_ref()))
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
/// usual precedence and left associativity (`a + b + c` is `(a ⊕ b) ⊕ c`, docs/semantics.md §4),
/// parentheses, unary minus, and `sqrt`, `fma`, `abs`, `min`, `max`. Returns the result and
/// the union of every step's flags.
///
/// # Errors
///
/// A message saying what was expected where, an unknown name, or a bad literal.
pub fn eval_expression(env: &Env, fmt: &Format, text: &str) -> Result<Rounded<u128>> {
    if text.len() > 1 << 16 {
        invalid!("expression longer than 65536 characters");
    }
    let tokens = tokenize(text)?;
    let mut e = Eval { ctx: Ctx::new(*env, *fmt), tokens, pos: 0, depth: 0 };
    let v = e.expr()?;
    if e.pos != e.tokens.len() {
        invalid!("unexpected {} after the expression", describe(e.peek()));
    }
    Ok(e.ctx.finish(v))
}

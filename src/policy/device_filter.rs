//! The device-filter rule language (dynamic-group rule syntax, POLICIES.md §A.9/§B.5):
//! parsing `device.x -op value` comparisons joined by `-and`/`-or`/`-not` with parentheses,
//! and three-valued evaluation against what the log says about the device. An unregistered
//! device has every property null (positive operators false, negative ones true); a property
//! the log does not carry is unknown.

use crate::policy::DeviceFacts;

/// Rules longer than this are refused (Microsoft caps them at 3072 characters; the margin
/// keeps odd exports readable while bounding the work on hostile input).
const MAX_RULE_LEN: usize = 16 * 1024;
/// Nesting bound, so a rule of ten thousand `(` cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// Device properties a filter may name (ED:concept-condition-filters-for-devices.md).
const PROPERTIES: &[&str] = &[
    "deviceId",
    "displayName",
    "deviceOwnership",
    "enrollmentProfileName",
    "isCompliant",
    "manufacturer",
    "mdmAppId",
    "model",
    "operatingSystem",
    "operatingSystemVersion",
    "physicalIds",
    "profileType",
    "systemLabels",
    "trustType",
    "extensionAttribute1",
    "extensionAttribute2",
    "extensionAttribute3",
    "extensionAttribute4",
    "extensionAttribute5",
    "extensionAttribute6",
    "extensionAttribute7",
    "extensionAttribute8",
    "extensionAttribute9",
    "extensionAttribute10",
    "extensionAttribute11",
    "extensionAttribute12",
    "extensionAttribute13",
    "extensionAttribute14",
    "extensionAttribute15",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
    Contains,
    NotContains,
    In,
    NotIn,
    Match,
    NotMatch,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word.to_ascii_lowercase().as_str() {
            "-eq" => Op::Eq,
            "-ne" => Op::Ne,
            "-startswith" => Op::StartsWith,
            "-notstartswith" => Op::NotStartsWith,
            "-endswith" => Op::EndsWith,
            "-notendswith" => Op::NotEndsWith,
            "-contains" => Op::Contains,
            "-notcontains" => Op::NotContains,
            "-in" => Op::In,
            "-notin" => Op::NotIn,
            "-match" => Op::Match,
            "-notmatch" => Op::NotMatch,
            _ => return None,
        })
    }

    /// Negative operators are true on a null property (the filters doc's table).
    fn negative(self) -> bool {
        matches!(
            self,
            Op::Ne
                | Op::NotStartsWith
                | Op::NotEndsWith
                | Op::NotContains
                | Op::NotIn
                | Op::NotMatch
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Cmp {
        /// Canonical spelling from [`PROPERTIES`], or as written when not a known property.
        property: String,
        known: bool,
        op: Op,
        values: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Word(String),
    Quoted(String),
    List(Vec<String>),
}

fn tokenize(rule: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = rule.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '"' | '\'' => {
                chars.next();
                out.push(Token::Quoted(quoted(&mut chars, c)?));
            }
            '[' => {
                chars.next();
                let mut items = Vec::new();
                loop {
                    match chars.peek().copied() {
                        None => return Err("a '[' list is not closed".to_string()),
                        Some(']') => {
                            chars.next();
                            break;
                        }
                        Some(c) if c.is_whitespace() || c == ',' => {
                            chars.next();
                        }
                        Some(q @ ('"' | '\'')) => {
                            chars.next();
                            items.push(quoted(&mut chars, q)?);
                        }
                        Some(_) => {
                            let mut w = String::new();
                            while let Some(&c) = chars.peek() {
                                if c == ',' || c == ']' || c.is_whitespace() {
                                    break;
                                }
                                w.push(c);
                                chars.next();
                            }
                            items.push(w);
                        }
                    }
                }
                out.push(Token::List(items));
            }
            _ => {
                let mut w = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' || c == '[' {
                        break;
                    }
                    w.push(c);
                    chars.next();
                }
                out.push(Token::Word(w));
            }
        }
    }
    Ok(out)
}

/// A quoted string after its opening quote; `\` and the PowerShell backtick escape.
fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, q: char) -> Result<String, String> {
    let mut s = String::new();
    loop {
        match chars.next() {
            None => return Err("a quoted value is not closed".to_string()),
            Some('\\') | Some('`') => match chars.next() {
                Some(c) => s.push(c),
                None => return Err("a quoted value is not closed".to_string()),
            },
            Some(c) if c == q => return Ok(s),
            Some(c) => s.push(c),
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

fn is_word(t: Option<&Token>, w: &str) -> bool {
    matches!(t, Some(Token::Word(x)) if x.eq_ignore_ascii_case(w) || x.eq_ignore_ascii_case(&w[1..]))
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self, depth: usize) -> Result<Expr, String> {
        let mut terms = vec![self.and(depth)?];
        while is_word(self.peek(), "-or") {
            self.pos += 1;
            terms.push(self.and(depth)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Expr, String> {
        let mut terms = vec![self.factor(depth)?];
        while is_word(self.peek(), "-and") {
            self.pos += 1;
            terms.push(self.factor(depth)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn factor(&mut self, depth: usize) -> Result<Expr, String> {
        if depth > MAX_DEPTH {
            return Err(format!("the rule nests deeper than {MAX_DEPTH} levels"));
        }
        if is_word(self.peek(), "-not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.factor(depth + 1)?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let e = self.or(depth + 1)?;
                match self.next() {
                    Some(Token::Close) => Ok(e),
                    _ => Err("a '(' is not closed".to_string()),
                }
            }
            Some(Token::Word(w)) => self.comparison(&w),
            Some(t) => Err(format!("expected a device property, found {}", show(&t))),
            None => Err("the rule ends where a comparison was expected".to_string()),
        }
    }

    fn comparison(&mut self, prop: &str) -> Result<Expr, String> {
        let Some(name) = prop
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("device."))
            .and_then(|_| prop.get(7..))
        else {
            return Err(format!("'{prop}' is not a device property (device.<name>)"));
        };
        let canonical = PROPERTIES.iter().find(|p| p.eq_ignore_ascii_case(name));
        let op = match self.next() {
            Some(Token::Word(w)) => {
                Op::parse(&w).ok_or_else(|| format!("'{w}' is not a filter operator"))?
            }
            Some(t) => {
                return Err(format!(
                    "expected an operator after {prop}, found {}",
                    show(&t)
                ));
            }
            None => return Err(format!("the rule ends after {prop}")),
        };
        let values = match self.next() {
            Some(Token::Quoted(s)) | Some(Token::Word(s)) => vec![s],
            Some(Token::List(v)) => v,
            Some(t) => {
                return Err(format!(
                    "expected a value after the operator, found {}",
                    show(&t)
                ));
            }
            None => return Err(format!("the rule ends after {prop}'s operator")),
        };
        Ok(Expr::Cmp {
            property: canonical.map_or_else(|| name.to_string(), |c| c.to_string()),
            known: canonical.is_some(),
            op,
            values,
        })
    }
}

fn show(t: &Token) -> String {
    match t {
        Token::Open => "'('".to_string(),
        Token::Close => "')'".to_string(),
        Token::Word(w) => format!("'{w}'"),
        Token::Quoted(s) => format!("\"{s}\""),
        Token::List(_) => "a [..] list".to_string(),
    }
}

fn parse(rule: &str) -> Result<Expr, String> {
    if rule.len() > MAX_RULE_LEN {
        return Err(format!("the rule is longer than {MAX_RULE_LEN} bytes"));
    }
    if rule.trim().is_empty() {
        return Err("the rule is empty".to_string());
    }
    let mut p = Parser {
        tokens: tokenize(rule)?,
        pos: 0,
    };
    let e = p.or(0)?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(format!(
            "unexpected {} after a complete expression",
            show(t)
        )),
    }
}

/// The value of one property for this device.
enum Prop {
    Null,
    Value(String),
    Unknown,
}

/// Maps the sign-in log's trust type words to the filter's values.
fn trust_type(t: &str) -> String {
    let l = t.trim().to_ascii_lowercase();
    if l.contains("hybrid") || l == "serverad" {
        "ServerAD".to_string()
    } else if l.contains("registered") || l == "workplace" {
        "Workplace".to_string()
    } else if l.contains("joined") || l == "azuread" {
        "AzureAD".to_string()
    } else {
        t.trim().to_string()
    }
}

fn property(d: &DeviceFacts, name: &str) -> Prop {
    // `device_id: Some("")`: the log shows no registered device, so the device object does
    // not exist and every property is null.
    if d.device_id.as_deref().is_some_and(|i| i.trim().is_empty()) {
        return Prop::Null;
    }
    let text = |v: &Option<String>| match v.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => Prop::Value(s.to_string()),
        _ => Prop::Unknown,
    };
    match name {
        "deviceId" => text(&d.device_id),
        "displayName" => text(&d.display_name),
        "operatingSystem" => text(&d.operating_system),
        "trustType" => match text(&d.trust_type) {
            Prop::Value(v) => Prop::Value(trust_type(&v)),
            other => other,
        },
        "isCompliant" => match d.is_compliant {
            Some(true) => Prop::Value("True".to_string()),
            Some(false) => Prop::Value("False".to_string()),
            None => Prop::Unknown,
        },
        _ => Prop::Unknown,
    }
}

/// What a filter says about a device: `value` None = cannot tell, with the properties
/// that were unknown (sorted, once each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterAnswer {
    pub value: Option<bool>,
    pub unknown_properties: Vec<String>,
}

/// Parses `rule` and evaluates it for `device`. `Err` says why the rule could not be read.
pub fn evaluate(rule: &str, device: &DeviceFacts) -> Result<FilterAnswer, String> {
    let expr = parse(rule)?;
    let mut unknown = Vec::new();
    let value = eval(&expr, device, &mut unknown);
    unknown.sort();
    unknown.dedup();
    Ok(FilterAnswer {
        value,
        unknown_properties: unknown,
    })
}

/// Kleene three-valued logic: `None` is unknown.
fn eval(e: &Expr, d: &DeviceFacts, unknown: &mut Vec<String>) -> Option<bool> {
    match e {
        Expr::And(terms) => {
            let vals: Vec<Option<bool>> = terms.iter().map(|t| eval(t, d, unknown)).collect();
            if vals.contains(&Some(false)) {
                Some(false)
            } else if vals.contains(&None) {
                None
            } else {
                Some(true)
            }
        }
        Expr::Or(terms) => {
            let vals: Vec<Option<bool>> = terms.iter().map(|t| eval(t, d, unknown)).collect();
            if vals.contains(&Some(true)) {
                Some(true)
            } else if vals.contains(&None) {
                None
            } else {
                Some(false)
            }
        }
        Expr::Not(inner) => eval(inner, d, unknown).map(|v| !v),
        Expr::Cmp {
            property: name,
            known,
            op,
            values,
        } => {
            let prop = if *known {
                property(d, name)
            } else {
                Prop::Unknown
            };
            match prop {
                Prop::Null => Some(op.negative()),
                Prop::Unknown => {
                    unknown.push(name.clone());
                    None
                }
                Prop::Value(v) => {
                    let r = compare(*op, &v, values);
                    if r.is_none() {
                        unknown.push(format!("{name} (-match needs a regular expression)"));
                    }
                    r
                }
            }
        }
    }
}

fn compare(op: Op, have: &str, values: &[String]) -> Option<bool> {
    let h = have.to_lowercase();
    let first = values.first().map(|v| v.to_lowercase()).unwrap_or_default();
    let positive = match op {
        Op::Eq | Op::Ne => h == first,
        Op::StartsWith | Op::NotStartsWith => h.starts_with(&first),
        Op::EndsWith | Op::NotEndsWith => h.ends_with(&first),
        Op::Contains | Op::NotContains => h.contains(&first),
        Op::In | Op::NotIn => values.iter().any(|v| v.to_lowercase() == h),
        // No regular-expression engine in this build: say unknown rather than guess.
        Op::Match | Op::NotMatch => return None,
    };
    Some(positive != op.negative())
}

#[cfg(test)]
mod tests;

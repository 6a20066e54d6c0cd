//! Roster import: a CSV of people (name, login, unit path, role) checked row
//! by row, so that an administrator sees every problem before anything is
//! created.

/// Most rows in one roster.
pub const MAX_ROWS: usize = 5000;

/// Parses CSV text (RFC 4180: commas, double quotes with `""` inside,
/// CRLF or LF line ends; a byte-order mark is skipped). Returns each record
/// with its line number (1-based, where the record starts); blank lines
/// are left out.
pub fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut line = 1;
    let mut start_line = 1;
    let mut chars = text.chars().peekable();
    fn end_record(
        records: &mut Vec<(usize, Vec<String>)>,
        fields: &mut Vec<String>,
        field: &mut String,
        start: usize,
        quoted_field: bool,
    ) {
        fields.push(std::mem::take(field));
        let blank = fields.len() == 1 && fields[0].trim().is_empty() && !quoted_field;
        let record = std::mem::take(fields);
        if !blank {
            records.push((start, record));
        }
    }
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            '"' => return Err(format!("line {line}: a quote inside an unquoted field")),
            ',' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                end_record(
                    &mut records,
                    &mut fields,
                    &mut field,
                    start_line,
                    was_quoted,
                );
                was_quoted = false;
                line += 1;
                start_line = line;
            }
            c => field.push(c),
        }
        if records.len() > MAX_ROWS + 1 {
            return Err(format!("more than {MAX_ROWS} rows: split the roster"));
        }
    }
    if quoted {
        return Err(format!("line {start_line}: a quoted field is not closed"));
    }
    if !field.is_empty() || !fields.is_empty() || was_quoted {
        end_record(
            &mut records,
            &mut fields,
            &mut field,
            start_line,
            was_quoted,
        );
    }
    Ok(records)
}

/// Is this record the header row (`name,login,unit,role`)?
pub fn is_header(fields: &[String]) -> bool {
    fields
        .first()
        .is_some_and(|f| matches!(f.trim().to_lowercase().as_str(), "name" | "display_name"))
        && fields
            .get(1)
            .is_some_and(|f| f.trim().eq_ignore_ascii_case("login"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_commas_and_line_ends() {
        let text = "\u{feff}name,login,unit,role\r\n\"Wang, Fang\",wang.fang,Bureau/Legal,leader\n\n李明,li.ming,\"Bureau\",\n\"say \"\"hi\"\"\",x,\"a\nb\",learner";
        let records = parse_csv(text).unwrap();
        assert_eq!(records.len(), 4);
        assert!(is_header(&records[0].1));
        assert_eq!(
            records[1].1,
            ["Wang, Fang", "wang.fang", "Bureau/Legal", "leader"]
        );
        assert_eq!(
            records[2],
            (
                4,
                vec![
                    "李明".into(),
                    "li.ming".into(),
                    "Bureau".into(),
                    String::new()
                ]
            )
        );
        assert_eq!(records[3].1[0], "say \"hi\"");
        assert_eq!(records[3].1[2], "a\nb");
        assert!(parse_csv("a,\"b").is_err());
        assert!(parse_csv("a,b\"c").is_err());
    }
}

#!/usr/bin/env bash
# The issue #8 query with jaq (jq in Rust; `cargo install jaq --locked`). usage: jaq.sh FILE
JQ=${JAQ:-jaq} exec "$(dirname "$0")/jq.sh" "$@"

"""Stage entry points: each reads its inputs and params, calls library functions, writes outputs."""

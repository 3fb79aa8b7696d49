// Wrong on purpose: double quotes, no semicolons, a line far past 100 columns.
export const unformatted = { a: "one", b: "two", c: "three", d: "four", e: "five", f: "six", g: "seven" }

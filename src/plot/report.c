/* plot/report.c — the self-contained HTML report (see report.h). */
#include "plot/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const css =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:1000px;margin:0 auto;padding:1em 1.5em;"
    "color:#222;line-height:1.45}\n"
    "h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:2px solid #ddd;padding-bottom:.2em}\n"
    "h3{margin-bottom:.3em}\n"
    "nav ol{columns:2;list-style:none;padding-left:1em}\n"
    ".math{font-family:'DejaVu Serif',Georgia,serif;font-size:1.05em;background:#f7f7fb;padding:.4em .8em;"
    "border-left:3px solid #99c;white-space:pre-wrap}\n"
    "pre{background:#f5f5f5;padding:.6em .8em;overflow-x:auto;font-size:.85em;border:1px solid #e4e4e4}\n"
    "table{border-collapse:collapse;margin:.6em 0;font-size:.9em}\n"
    "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f0f0f0}\n"
    "td:first-child,th:first-child{text-align:left}\n"
    "figure{margin:1em 0;overflow-x:auto}figure svg{max-width:100%;height:auto}\n"
    "figcaption{font-size:.9em;color:#555}\n"
    ".note{background:#fff8e6;border:1px solid #f0d68a;padding:.5em .8em;font-size:.92em}\n"
    ".caption{font-size:.9em;color:#555;margin-bottom:.2em}\n"
    ".controls{display:flex;flex-wrap:wrap;gap:.4em 1.6em;margin:.3em 0 .4em 70px;font-size:.92em}\n"
    ".controls label{display:flex;align-items:center;gap:.5em}.controls output{min-width:2.6em;"
    "font-variant-numeric:tabular-nums}\n";

void urn__plot_report_begin(urn_report *r, const char *title, const char *intro) {
  urn_buf_init(&r->body);
  urn_buf_init(&r->toc);
  r->title = urn_xstrdup(title ? title : "urn report");
  r->in_section = 0, r->n_figures = 0;
  if (intro) urn__plot_report_text(r, intro);
}

void urn__plot_report_free(urn_report *r) {
  urn_buf_free(&r->body);
  urn_buf_free(&r->toc);
  free(r->title);
  r->title = NULL;
}

void urn__plot_report_section(urn_report *r, const char *id, const char *title) {
  if (r->in_section) urn_buf_puts(&r->body, "</section>\n");
  urn_buf_puts(&r->body, "<section id=\"");
  urn__plot_xml_escape(&r->body, id);
  urn_buf_puts(&r->body, "\">\n<h2>");
  urn__plot_xml_escape(&r->body, title);
  urn_buf_puts(&r->body, "</h2>\n");
  urn_buf_puts(&r->toc, "<li><a href=\"#");
  urn__plot_xml_escape(&r->toc, id);
  urn_buf_puts(&r->toc, "\">");
  urn__plot_xml_escape(&r->toc, title);
  urn_buf_puts(&r->toc, "</a></li>\n");
  r->in_section = 1;
}

static void element(urn_report *r, const char *open, const char *text, const char *close) {
  urn_buf_puts(&r->body, open);
  urn__plot_xml_escape(&r->body, text ? text : "");
  urn_buf_puts(&r->body, close);
}

void urn__plot_report_heading(urn_report *r, const char *text) { element(r, "<h3>", text, "</h3>\n"); }
void urn__plot_report_text(urn_report *r, const char *text) { element(r, "<p>", text, "</p>\n"); }
/* Unicode for the plain-text formulas: Greek letter names become letters,
 * x_k and x_{t-1} subscripts, ^2 a superscript, <= and >= relations, sqrt a
 * radical.  Anything it cannot render (a subscript with a letter Unicode has
 * no subscript for) is left as written. */
static const char *const greek[][2] = {
    {"alpha", "α"}, {"beta", "β"}, {"gamma", "γ"}, {"Gamma", "Γ"}, {"delta", "δ"}, {"epsilon", "ε"},
    {"theta", "θ"}, {"kappa", "κ"}, {"lambda", "λ"}, {"mu", "μ"}, {"nu", "ν"}, {"pi", "π"}, {"rho", "ρ"},
    {"sigma", "σ"}, {"Sigma", "Σ"}, {"tau", "τ"}, {"phi", "φ"}, {"omega", "ω"}, {"Omega", "Ω"}, {"sqrt", "√"},
};

/* The subscript form of c, or NULL. */
static const char *subscript(char c) {
  static const char *const digits[10] = {"₀", "₁", "₂", "₃", "₄", "₅", "₆", "₇", "₈", "₉"};
  if (c >= '0' && c <= '9') return digits[c - '0'];
  switch (c) {
    case '+': return "₊";
    case '-': return "₋";
    case 'a': return "ₐ";
    case 'e': return "ₑ";
    case 'i': return "ᵢ";
    case 'j': return "ⱼ";
    case 'k': return "ₖ";
    case 'm': return "ₘ";
    case 'n': return "ₙ";
    case 'p': return "ₚ";
    case 's': return "ₛ";
    case 't': return "ₜ";
    case 'x': return "ₓ";
    default: return NULL;
  }
}

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static void math_unicode(const char *in, urn_buf *out) {
  for (const char *p = in; *p;) {
    if (is_alpha(*p) && (p == in || !is_alpha(p[-1]))) {
      const char *q = p;
      while (is_alpha(*q)) q++;
      size_t n = (size_t)(q - p);
      const char *rep = NULL;
      for (size_t g = 0; g < sizeof greek / sizeof *greek && !rep; g++)
        if (strlen(greek[g][0]) == n && !strncmp(p, greek[g][0], n)) rep = greek[g][1];
      if (rep)
        urn_buf_puts(out, rep);
      else
        urn_buf_append(out, p, n);
      p = q;
      continue;
    }
    if (*p == '_' && p > in && (is_alpha(p[-1]) || (p[-1] >= '0' && p[-1] <= '9'))) {
      /* _{...} when every character has a subscript, else _x for one letter or a run of digits */
      const char *q = p + 1, *end = NULL;
      if (*q == '{') {
        const char *c = q + 1;
        while (*c && *c != '}' && subscript(*c)) c++;
        if (*c == '}' && c > q + 1) q = q + 1, end = c;
      } else if (*q >= '0' && *q <= '9') {
        end = q;
        while (*end >= '0' && *end <= '9') end++;
      } else if (subscript(*q) && !is_alpha(q[1])) {
        end = q + 1;
      }
      if (end) {
        for (const char *c = q; c < end; c++) urn_buf_puts(out, subscript(*c));
        p = *end == '}' ? end + 1 : end;
        continue;
      }
    }
    if (p[0] == '^' && p[1] == '2' && !(p[2] >= '0' && p[2] <= '9')) {
      urn_buf_puts(out, "²");
      p += 2;
    } else if (p[0] == '<' && p[1] == '=') {
      urn_buf_puts(out, "≤");
      p += 2;
    } else if (p[0] == '>' && p[1] == '=') {
      urn_buf_puts(out, "≥");
      p += 2;
    } else {
      urn_buf_putc(out, *p++);
    }
  }
}

void urn__plot_report_math(urn_report *r, const char *text) {
  urn_buf u;
  urn_buf_init(&u);
  math_unicode(text ? text : "", &u);
  element(r, "<div class=\"math\">", u.data ? u.data : "", "</div>\n");
  urn_buf_free(&u);
}
void urn__plot_report_note(urn_report *r, const char *text) { element(r, "<p class=\"note\">", text, "</p>\n"); }

void urn__plot_report_code(urn_report *r, const char *caption, const char *code) {
  if (caption) element(r, "<div class=\"caption\">", caption, "</div>\n");
  element(r, "<pre>", code, "</pre>\n");
}

void urn__plot_report_table(urn_report *r, const char *const *header, size_t ncols, const char *const *cells,
                      size_t nrows) {
  urn_buf_puts(&r->body, "<table>\n<tr>");
  for (size_t j = 0; j < ncols; j++) element(r, "<th>", header[j], "</th>");
  urn_buf_puts(&r->body, "</tr>\n");
  for (size_t i = 0; i < nrows; i++) {
    urn_buf_puts(&r->body, "<tr>");
    for (size_t j = 0; j < ncols; j++) element(r, "<td>", cells[i * ncols + j], "</td>");
    urn_buf_puts(&r->body, "</tr>\n");
  }
  urn_buf_puts(&r->body, "</table>\n");
}

void urn__plot_report_figure(urn_report *r, const urn_svg *svg, const char *caption) {
  urn__plot_report_figure_html(r, svg, NULL, caption);
}

void urn__plot_report_script(urn_report *r, const char *js) {
  if (!js || strstr(js, "]]>") || strstr(js, "</script")) return;
  urn_buf_puts(&r->body, "<script>//<![CDATA[\n");
  urn_buf_puts(&r->body, js);
  urn_buf_puts(&r->body, "\n//]]></script>\n");
}

void urn__plot_report_figure_html(urn_report *r, const urn_svg *svg, const char *html, const char *caption) {
  const char *doc = svg->out.data ? svg->out.data : "";
  const char *start = strstr(doc, "<svg");
  if (!start) return;
  int fig = ++r->n_figures;
  urn_buf_puts(&r->body, "<figure>\n");
  if (html) urn_buf_puts(&r->body, html);
  /* Element ids (clip paths) must be unique in the page: prefix them. */
  for (const char *p = start; *p;) {
    if (!strncmp(p, "id=\"clip", 8)) {
      urn_buf_printf(&r->body, "id=\"f%d-clip", fig);
      p += 8;
    } else if (!strncmp(p, "url(#clip", 9)) {
      urn_buf_printf(&r->body, "url(#f%d-clip", fig);
      p += 9;
    } else {
      urn_buf_putc(&r->body, *p++);
    }
  }
  if (caption) element(r, "<figcaption>", caption, "</figcaption>\n");
  urn_buf_puts(&r->body, "</figure>\n");
}

void urn__plot_report_render(urn_report *r, urn_buf *out) {
  if (r->in_section) {
    urn_buf_puts(&r->body, "</section>\n");
    r->in_section = 0;
  }
  urn_buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>");
  urn__plot_xml_escape(out, r->title);
  urn_buf_printf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", css);
  urn__plot_xml_escape(out, r->title);
  urn_buf_puts(out, "</h1>\n");
  if (r->toc.len) {
    urn_buf_puts(out, "<nav><ol>\n");
    urn_buf_append(out, r->toc.data, r->toc.len);
    urn_buf_puts(out, "</ol></nav>\n");
  }
  if (r->body.len) urn_buf_append(out, r->body.data, r->body.len);
  urn_buf_printf(out, "<footer><p class=\"caption\">Written by urn %s.</p></footer>\n</body>\n</html>\n",
                 urn_version());
}

int urn__plot_report_write(urn_report *r, const char *path, urn_error *err) {
  urn_buf page;
  urn_buf_init(&page);
  urn__plot_report_render(r, &page);
  int rc = urn_write_file(path, page.data, page.len, err);
  urn_buf_free(&page);
  return rc;
}

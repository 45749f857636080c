/* plot/report.h — a self-contained HTML report: one page with sections of
 * text, math, code, tables and inline SVG figures; no scripts, no external
 * style sheets, fonts or images, so it opens offline in any browser.  The page
 * is polyglot HTML5 (also well-formed XML), which the tests check.  Its only
 * scripts are inline ones added with urn__plot_report_script (the tutorial's mixture
 * explorer, plot/explorer.h), written as CDATA so the page stays XML.
 *
 * Usage: urn__plot_report_begin, then sections with their content, then
 * urn__plot_report_write (which ends the page). */
#ifndef URN_PLOT_REPORT_H
#define URN_PLOT_REPORT_H

#include <stddef.h>
#include "plot/svg.h"
#include "urn/common.h"
#include "util/util.h"

typedef struct urn_report {
  urn_buf body;      /* page body so far */
  urn_buf toc;       /* table of contents entries */
  char *title;       /* page title */
  int in_section;    /* a <section> is open */
  int n_figures;     /* figures embedded so far (prefixes their element ids) */
} urn_report;

/* Starts a report; intro (may be NULL) is a paragraph under the title. */
void urn__plot_report_begin(urn_report *r, const char *title, const char *intro);
void urn__plot_report_free(urn_report *r);
/* Starts a new section (closing the previous one) with an anchor id. */
void urn__plot_report_section(urn_report *r, const char *id, const char *title);
/* A sub-heading inside the current section. */
void urn__plot_report_heading(urn_report *r, const char *text);
/* A paragraph of plain text (escaped). */
void urn__plot_report_text(urn_report *r, const char *text);
/* A displayed formula in plain Unicode text (escaped), e.g. "y ~ Normal(mu, sigma)". */
void urn__plot_report_math(urn_report *r, const char *text);
/* A block of code or data (escaped), with an optional caption. */
void urn__plot_report_code(urn_report *r, const char *caption, const char *code);
/* A table: header[ncols] and cells[nrows * ncols] (row-major, escaped; NULL cells empty). */
void urn__plot_report_table(urn_report *r, const char *const *header, size_t ncols, const char *const *cells, size_t nrows);
/* An SVG figure inline (the document of a closed urn_svg, ids made unique in
 * the page), with an optional caption. */
void urn__plot_report_figure(urn_report *r, const urn_svg *svg, const char *caption);
/* A figure whose SVG is preceded, inside the <figure>, by trusted markup
 * (well-formed, e.g. form controls, above the picture as ipywidgets puts its
 * sliders), then the caption.  html may be NULL. */
void urn__plot_report_figure_html(urn_report *r, const urn_svg *svg, const char *html, const char *caption);
/* An inline script (trusted code that must not contain "]]>" or "</script";
 * such a script is left out). */
void urn__plot_report_script(urn_report *r, const char *js);
/* A note box (escaped), for assumptions and warnings. */
void urn__plot_report_note(urn_report *r, const char *text);
/* Ends the page and writes it to path (URN_EIO naming the path on failure). */
int urn__plot_report_write(urn_report *r, const char *path, urn_error *err);
/* The finished page as text in out (appended). */
void urn__plot_report_render(urn_report *r, urn_buf *out);

#endif

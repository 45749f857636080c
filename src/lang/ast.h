/* lang/ast.h — the abstract syntax tree of a Stan program.
 *
 * The parser (lang/parser.h) builds it, the checker (lang/check.h) annotates
 * it in place (expression types, resolved functions and variables, index
 * kinds), and the evaluator walks it.  Every node lives in the program's
 * arena and is freed with the program by urn_program_free(); nodes point to
 * each other freely (a variable use points to its declaration).
 *
 * Stability: this layout is shared with the evaluator.  It is only ever
 * extended (new fields at the end of a struct, new enum values at the end of
 * an enum); existing fields keep their meaning.
 *
 * Conventions for every node:
 *   line, col   1-based source position of the node's first token
 *               (for a binary operation: the operator's position);
 *   lists       a pointer array plus a count (`urn_expr **args; int nargs`),
 *               allocated in the arena; the count may be 0 with a NULL array;
 *   names       NUL-terminated strings in the arena.
 * After a successful urn_check() every field documented "(checker)" is set. */
#ifndef URN_LANG_AST_H
#define URN_LANG_AST_H

#include <stddef.h>
#include "lang/lexer.h"
#include "lang/types.h"
#include "util/util.h"

struct urn_builtin;  /* lang/builtins.h: one overload of a built-in function */
typedef struct urn_expr urn_expr;
typedef struct urn_stmt urn_stmt;
typedef struct urn_vardecl urn_vardecl;
typedef struct urn_fundef urn_fundef;
typedef struct urn_program urn_program;

/* How a node was written when it uses pre-2.33 syntax that urn accepts (with a
 * warning, lang/legacy.h): bits of the `legacy` fields below, 0 for modern
 * syntax.  The node itself always holds the modern meaning; these bits only let
 * `urn format` print the program as it was written (`--canonical` ignores them). */
enum urn_legacy_flag {
  URN_LEG_RENAMED = 1,       /* CALL / function definition: written under an old name, kept in `written`
                                (normal_log, fabs, multiply_log, a user's foo_log density) */
  URN_LEG_BAR_ADDED = 2,     /* CALL: written with ',' where '|' now stands (normal_log(y, mu, s)) */
  URN_LEG_IF_ELSE = 4,       /* COND: written if_else(c, a, b) */
  URN_LEG_GET_LP = 8,        /* TARGET expression: written get_lp() */
  URN_LEG_LP_VAR = 16,       /* TARGET expression: written lp__; TARGET statement: lp__ = lp__ + e */
  URN_LEG_ARROW = 32,        /* ASSIGN (or the lp__ TARGET statement): written with '<-' */
  URN_LEG_INCREMENT = 64,    /* TARGET statement: written increment_log_prob(e) */
  URN_LEG_POSTFIX_DIMS = 128 /* declaration: dimensions after the name (real y[N]); function argument
                                or return type: written real[] / vector[,] (array[] real) */
};

/* ------------------------------------------------------------------ */
/* Expressions                                                         */

typedef enum urn_expr_kind {
  URN_EX_INT,        /* integer literal: ival */
  URN_EX_REAL,       /* real literal (`1.5`, `.5`, `1e-10`): rval */
  URN_EX_STRING,     /* string literal (only as an argument of print/reject/fatal_error): str */
  URN_EX_VAR,        /* a variable (or, as an argument, a function named by value): name, decl/fun */
  URN_EX_UNARY,      /* prefix -x, +x, !x and postfix x': op, lhs */
  URN_EX_BINARY,     /* lhs op rhs: op, lhs, rhs */
  URN_EX_COND,       /* cond ? lhs : rhs: cond, lhs, rhs */
  URN_EX_CALL,       /* name(args) or name(args[0] | args[1], ...): name, args, builtin/fun */
  URN_EX_INDEX,      /* lhs[idx[0], ..., idx[nidx-1]]; `a[i][j]` is an INDEX of an INDEX */
  URN_EX_ARRAY,      /* array literal {args...} */
  URN_EX_ROWVEC,     /* row-vector literal [args...]; a matrix literal when the args are row vectors */
  URN_EX_TARGET,     /* target(): the log density accumulated so far */
  URN_EX_IMAG,       /* imaginary literal (`2.5i`): rval is the imaginary part */
  URN_EX_TUPLE,      /* tuple literal (a, b, ...): args (two or more) */
  URN_EX_TUPLE_GET   /* lhs.N: component ival (1-based) of the tuple lhs */
} urn_expr_kind;

typedef enum urn_op {
  /* binary */
  URN_OP_ADD,        /* +   */
  URN_OP_SUB,        /* -   */
  URN_OP_MUL,        /* *   (matrix product for matrix/vector operands) */
  URN_OP_DIV,        /* /   (int / int is integer division, as in Stan) */
  URN_OP_MOD,        /* %   (int only) */
  URN_OP_INTDIV,     /* %/% (int only) */
  URN_OP_LDIV,       /* \   (matrix left division) */
  URN_OP_ELT_MUL,    /* .*  */
  URN_OP_ELT_DIV,    /* ./  */
  URN_OP_POW,        /* ^   */
  URN_OP_ELT_POW,    /* .^  */
  URN_OP_EQ,         /* ==  */
  URN_OP_NE,         /* !=  */
  URN_OP_LT,         /* <   */
  URN_OP_LE,         /* <=  */
  URN_OP_GT,         /* >   */
  URN_OP_GE,         /* >=  */
  URN_OP_AND,        /* &&  (short-circuit) */
  URN_OP_OR,         /* ||  (short-circuit) */
  /* unary */
  URN_OP_NEG,        /* prefix - */
  URN_OP_PLUS,       /* prefix + */
  URN_OP_NOT,        /* prefix ! */
  URN_OP_TRANSPOSE   /* postfix ' */
} urn_op;

typedef enum urn_index_kind {
  URN_IDX_SINGLE,    /* x[e] with e an int: lo (drops one dimension) */
  URN_IDX_MULTI,     /* x[e] with e an int array: lo (checker turns SINGLE into MULTI by type) */
  URN_IDX_ALL,       /* x[:] or an omitted index x[, k]: no expression */
  URN_IDX_LOWER,     /* x[a:]: lo */
  URN_IDX_UPPER,     /* x[:b]: hi */
  URN_IDX_RANGE      /* x[a:b]: lo, hi (inclusive; empty when b < a) */
} urn_index_kind;

typedef struct urn_index {
  int kind;          /* enum urn_index_kind */
  int line, col;     /* position of the index (of `:` for an omitted one) */
  urn_expr *lo;      /* SINGLE/MULTI: the index; LOWER/RANGE: first; else NULL */
  urn_expr *hi;      /* UPPER/RANGE: last; else NULL */
} urn_index;

struct urn_expr {
  int kind;          /* enum urn_expr_kind */
  int line, col;     /* source position (operator position for UNARY/BINARY/COND/INDEX) */
  urn_type ty;       /* (checker) the static type; URN_TY_ERROR when checking failed */
  unsigned char data_only; /* (checker) Stan's "data only" level: 1 when the value can never carry a
                              derivative (a double, not an autodiff variable): every int-valued
                              expression, literals, data, transformed data, generated quantities,
                              `data` arguments, random draws, and operations on such values only */
  unsigned char has_bar;   /* CALL: 1 when written `f(a | b, ...)` (conditional-density syntax) */
  int op;            /* UNARY/BINARY: enum urn_op */
  int ival;          /* INT: the value (literals beyond 2^31-1 are a parse error); TUPLE_GET: the component */
  double rval;       /* REAL: the value (may be inf for `1e999999`); IMAG: the imaginary part */
  const char *str;   /* STRING: contents without quotes (no escapes in Stan) */
  const char *name;  /* VAR/CALL: identifier */
  urn_expr *cond;    /* COND: the condition */
  urn_expr *lhs;     /* UNARY: operand; BINARY/COND: left/true branch; INDEX: indexed expression */
  urn_expr *rhs;     /* BINARY: right operand; COND: false branch */
  urn_expr **args;   /* CALL: arguments (args[0] is the variate when has_bar); ARRAY/ROWVEC: elements */
  int nargs;         /* number of args */
  urn_index *idx;    /* INDEX: the indexes, an array of nidx structs */
  int nidx;          /* INDEX: number of indexes */
  urn_vardecl *decl; /* VAR: (checker) the declaration the name refers to; NULL for a function name */
  urn_fundef *fun;   /* CALL: (checker) the user function overload called (its definition when it
                        has one), or NULL for a built-in; VAR: the user function (overload) named
                        when a function is passed as an argument */
  const struct urn_builtin *builtin; /* CALL: (checker) the built-in overload, or NULL for a user
                        function; UNARY/BINARY: (checker) the built-in implementing the operator
                        (`add`, `mdivide_right`, `transpose`, ...), NULL for `&&`, `||` and prefix `+` */
  unsigned char propto;    /* CALL: (checker) 1 for `_lupdf`/`_lupmf` calls (constants may be dropped) */
  int aux;           /* free for the evaluator (e.g. a slot number); 0 after parsing */
  void *ext;         /* free for the evaluator (set at model construction, read-only afterwards) */
  unsigned char pure;      /* (checker) 1 when the value is fixed by the data alone: it reads no
                              parameter, transformed parameter, generated quantity, local, loop
                              variable or function argument, draws no random numbers and reads
                              no target() (Stan's rule for the sizes of block-level variables) */
  unsigned legacy;   /* enum urn_legacy_flag bits: how old syntax was written (0: modern) */
  const char *written; /* CALL with URN_LEG_RENAMED: the name as written ("normal_log"); else NULL */
};
/* Note: for INT and REAL literals `str` holds the literal as written ("1_000", "1e-10"). */

/* ------------------------------------------------------------------ */
/* Declarations                                                        */

/* The declared (sized) type of a variable. */
typedef enum urn_decl_type {
  URN_DT_INT,                  /* int */
  URN_DT_REAL,                 /* real */
  URN_DT_VECTOR,               /* vector[size1] */
  URN_DT_ROW_VECTOR,           /* row_vector[size1] */
  URN_DT_MATRIX,               /* matrix[size1, size2] */
  URN_DT_SIMPLEX,              /* simplex[size1] */
  URN_DT_UNIT_VECTOR,          /* unit_vector[size1] */
  URN_DT_ORDERED,              /* ordered[size1] */
  URN_DT_POSITIVE_ORDERED,     /* positive_ordered[size1] */
  URN_DT_CHOLESKY_FACTOR_CORR, /* cholesky_factor_corr[size1] (size1 x size1) */
  URN_DT_CHOLESKY_FACTOR_COV,  /* cholesky_factor_cov[size1] or [size1, size2] (rows >= cols);
                                  size2 == NULL means square */
  URN_DT_CORR_MATRIX,          /* corr_matrix[size1] */
  URN_DT_COV_MATRIX,           /* cov_matrix[size1] */
  URN_DT_SUM_TO_ZERO_VECTOR,   /* sum_to_zero_vector[size1] (Stan 2.36) */
  URN_DT_COLUMN_STOCHASTIC_MATRIX, /* column_stochastic_matrix[size1, size2]: simplex columns (Stan 2.36) */
  URN_DT_ROW_STOCHASTIC_MATRIX,    /* row_stochastic_matrix[size1, size2]: simplex rows (Stan 2.36) */
  URN_DT_SUM_TO_ZERO_MATRIX,       /* sum_to_zero_matrix[size1, size2]: zero row and column sums (Stan 2.37) */
  URN_DT_COMPLEX,                  /* complex */
  URN_DT_COMPLEX_VECTOR,           /* complex_vector[size1] */
  URN_DT_COMPLEX_ROW_VECTOR,       /* complex_row_vector[size1] */
  URN_DT_COMPLEX_MATRIX,           /* complex_matrix[size1, size2] */
  URN_DT_TUPLE                     /* tuple(T1, ..., Tn): the components in urn_vardecl.comps */
} urn_decl_type;

/* Where a variable was declared; decides what may be assigned and used where. */
typedef enum urn_origin {
  URN_ORIGIN_DATA,       /* data block */
  URN_ORIGIN_TDATA,      /* transformed data block (top level) */
  URN_ORIGIN_PARAM,      /* parameters block */
  URN_ORIGIN_TPARAM,     /* transformed parameters block (top level) */
  URN_ORIGIN_GQ,         /* generated quantities block (top level) */
  URN_ORIGIN_LOCAL,      /* a local variable: model block, nested block, function body */
  URN_ORIGIN_LOOP,       /* a for / foreach loop variable (read-only) */
  URN_ORIGIN_FUNARG      /* a function parameter (read-only) */
} urn_origin;

struct urn_vardecl {
  const char *name;      /* the variable's name */
  int line, col;         /* position of the name */
  int origin;            /* enum urn_origin */
  int dtype;             /* enum urn_decl_type (URN_DT_INT for loop variables over ints, etc.) */
  urn_type ty;           /* the unsized type: base from dtype (simplex etc. -> vector, matrix kinds ->
                            matrix) and dims = number of array dimensions; set by the parser */
  urn_expr **dims;       /* array sizes `array[dims[0], ...]` (NULL entries for unsized function args) */
  int ndims;             /* number of array dimensions (== ty.dims) */
  urn_expr *size1;       /* vector length / matrix rows / K of the square kinds; NULL for int/real
                            and for unsized function arguments */
  urn_expr *size2;       /* matrix columns (and cholesky_factor_cov's optional second size); else NULL */
  urn_expr *lower;       /* <lower=...> or NULL (int, real, vector, row_vector, matrix only) */
  urn_expr *upper;       /* <upper=...> or NULL */
  urn_expr *offset;      /* <offset=...> or NULL (real, vector, row_vector, matrix only) */
  urn_expr *multiplier;  /* <multiplier=...> or NULL */
  urn_expr *init;        /* `= expr` in the declaration, or NULL */
  unsigned char data_only;  /* FUNARG: declared with the `data` qualifier */
  unsigned char is_data;    /* (checker) Stan's "data only" level of the variable (urn_expr.data_only):
                               int variables, data, transformed data, generated quantities and
                               their locals, `data` arguments, foreach variables over such values */
  int aux;               /* free for the evaluator (e.g. a slot number); 0 after parsing */
  void *ext;             /* free for the evaluator */
  int slot;              /* (checker) where the value lives: an index into the program-level slots
                            (global) or into the frame of the function whose body declares it */
  unsigned char global;  /* (checker) 1 for a program-level slot, 0 for a function frame slot */
  unsigned char pure;    /* (checker) 1 for data and top-level transformed data (see urn_expr.pure) */
  urn_vardecl **comps;   /* TUPLE: one declaration per component (name NULL; its own type, sizes and
                            constraints; its array dimensions are the component's own) */
  int ncomps;            /* TUPLE: number of components */
  unsigned legacy;       /* URN_LEG_POSTFIX_DIMS when written `real y[N]` (or an argument `real[]`) */
};

/* ------------------------------------------------------------------ */
/* Statements                                                          */

typedef enum urn_stmt_kind {
  URN_ST_DECL,       /* a declaration (block-level or local): decl */
  URN_ST_ASSIGN,     /* lhs op= rhs: lhs (a VAR or INDEX chain over a VAR), op, rhs */
  URN_ST_TILDE,      /* lhs ~ dist(args) T[trunc_lo, trunc_hi] */
  URN_ST_TARGET,     /* target += rhs */
  URN_ST_FOR,        /* for (loopvar in lo:hi) body */
  URN_ST_FOREACH,    /* for (loopvar in rhs) body: over array elements or vector/matrix entries */
  URN_ST_WHILE,      /* while (cond) body */
  URN_ST_IF,         /* if (cond) body else else_body (else_body may be NULL) */
  URN_ST_BREAK,      /* break; */
  URN_ST_CONTINUE,   /* continue; */
  URN_ST_RETURN,     /* return rhs;  (rhs NULL for `return;` in a void function) */
  URN_ST_PRINT,      /* print(args...): args are expressions or STRING literals */
  URN_ST_REJECT,     /* reject(args...) */
  URN_ST_FATAL,      /* fatal_error(args...) */
  URN_ST_BLOCK,      /* { body[0] ... body[nbody-1] } with its own scope */
  URN_ST_CALL,       /* a call statement `f(args);` (void function): rhs is the CALL expression */
  URN_ST_EMPTY,      /* a lone `;` */
  URN_ST_JACOBIAN    /* jacobian += rhs (Stan 2.36, transformed parameters / _jacobian functions) */
} urn_stmt_kind;

/* Assignment operators (URN_ST_ASSIGN's op). */
typedef enum urn_assign_op {
  URN_AS_SET,        /* =   */
  URN_AS_ADD,        /* +=  */
  URN_AS_SUB,        /* -=  */
  URN_AS_MUL,        /* *=  */
  URN_AS_DIV,        /* /=  */
  URN_AS_ELT_MUL,    /* .*= */
  URN_AS_ELT_DIV     /* ./= */
} urn_assign_op;

struct urn_stmt {
  int kind;              /* enum urn_stmt_kind */
  int line, col;         /* position of the statement's first token (ASSIGN/TILDE: of the operator) */
  urn_vardecl *decl;     /* DECL: the declaration; FOR/FOREACH: the loop variable */
  urn_expr *lhs;         /* ASSIGN: the target; TILDE: the variate */
  urn_expr *rhs;         /* ASSIGN: the value; TARGET/JACOBIAN: the increment; RETURN: value or NULL;
                            FOREACH: the container; CALL: the call expression */
  int op;                /* ASSIGN: enum urn_assign_op */
  urn_expr *cond;        /* WHILE/IF: condition */
  urn_expr *lo, *hi;     /* FOR: bounds (inclusive) */
  urn_stmt *body;        /* FOR/FOREACH/WHILE: the body; IF: the then branch */
  urn_stmt *else_body;   /* IF: the else branch or NULL */
  urn_stmt **stmts;      /* BLOCK: the statements */
  int nstmts;            /* BLOCK: number of statements */
  urn_expr **args;       /* TILDE: distribution arguments after the variate; PRINT/REJECT/FATAL: items */
  int nargs;             /* number of args */
  const char *dist;      /* TILDE: distribution family name as written (`normal`) */
  int dist_line, dist_col; /* TILDE: position of the distribution name */
  unsigned char truncated; /* TILDE: 1 when `T[...]` is present (either bound may still be NULL) */
  urn_expr *trunc_lo;    /* TILDE: lower truncation bound or NULL (`T[, U]`) */
  urn_expr *trunc_hi;    /* TILDE: upper truncation bound or NULL (`T[L, ]`) */
  const struct urn_builtin *builtin; /* TILDE: (checker) the `dist_lupdf`/`dist_lupmf` overload
                                        for (lhs, args...), or NULL for a user-defined density */
  urn_fundef *fun;       /* TILDE: (checker) the user `dist_lpdf`/`dist_lpmf`, or NULL */
  const struct urn_builtin *trunc_lcdf;  /* TILDE: (checker) `dist_lcdf` overload when truncated
                                            above (T[L, U] evaluates it at both bounds), else NULL */
  const struct urn_builtin *trunc_lccdf; /* TILDE: (checker) `dist_lccdf` overload when truncated
                                            below, else NULL */
  unsigned char discrete; /* TILDE: (checker) 1 when the family is a mass function (`_lpmf`):
                             a lower truncation then uses lccdf(L - 1) as Stan does */
  int aux;               /* free for the evaluator */
  void *ext;             /* free for the evaluator */
  urn_expr *value;       /* ASSIGN with a compound operator (`x op= y`): (checker) the expression
                            `x op y` (a BINARY with its built-in resolved) whose value is stored */
  urn_fundef *trunc_ulcdf;  /* TILDE of a user density truncated above (or on both sides): (checker)
                               the user's `dist_lcdf` overload for (bound, args...), else NULL */
  urn_fundef *trunc_ulccdf; /* TILDE of a user density truncated below only: (checker) the user's
                               `dist_lccdf` overload, else NULL */
  unsigned legacy;       /* enum urn_legacy_flag bits (ASSIGN: '<-'; TARGET: increment_log_prob) */
  int end_line, end_col; /* position of the statement's last token (BLOCK: its closing brace) */
  const char *profile;   /* BLOCK written `profile("name") { ... }`: the name; else NULL */
};

/* ------------------------------------------------------------------ */
/* Functions and the program                                           */

/* The suffix class of a function name, which decides where it may be called. */
typedef enum urn_fun_suffix {
  URN_SUF_NONE,      /* an ordinary function */
  URN_SUF_LP,        /* _lp: may use target +=, ~; callable in model / transformed parameters */
  URN_SUF_RNG,       /* _rng: callable in transformed data, generated quantities, other _rng */
  URN_SUF_LPDF,      /* _lpdf: first argument real-valued; usable with ~ and `|` */
  URN_SUF_LPMF,      /* _lpmf: first argument int-valued */
  URN_SUF_LCDF,      /* _lcdf */
  URN_SUF_LCCDF,     /* _lccdf */
  URN_SUF_CDF,       /* _cdf */
  URN_SUF_LUPDF,     /* _lupdf (only when calling; definitions use _lpdf) */
  URN_SUF_LUPMF,     /* _lupmf (only when calling) */
  URN_SUF_JACOBIAN   /* _jacobian (Stan 2.36): may use jacobian +=; callable in transformed parameters / _jacobian */
} urn_fun_suffix;

struct urn_fundef {
  const char *name;      /* function name as defined (`foo_lpdf`) */
  int line, col;         /* position of the name */
  urn_type ret;          /* return type; {URN_TY_VOID, 0} for void */
  urn_vardecl **params;  /* parameters (origin URN_ORIGIN_FUNARG, unsized, data_only for `data`) */
  int nparams;           /* number of parameters */
  urn_stmt *body;        /* the body (a BLOCK), or NULL for a forward declaration */
  int suffix;            /* enum urn_fun_suffix of the name */
  urn_fundef *definition; /* (checker) for a forward declaration: the definition; else itself */
  int aux;               /* free for the evaluator */
  void *ext;             /* free for the evaluator */
  int index;             /* (checker) of a definition (definition == itself): its position among the
                            program's definitions, 0 .. urn_program.ndefs - 1 */
  int nslots;            /* (checker) of a definition: the size of its frame (arguments, locals and
                            loop variables, each with its own slot: urn_vardecl.slot) */
  unsigned legacy;       /* URN_LEG_POSTFIX_DIMS: return type written `real[]`; URN_LEG_RENAMED: an old
                            `foo_log` density renamed (the old name in `written`) */
  const char *written;   /* with URN_LEG_RENAMED: the name as written; else NULL */
  int start_line, start_col; /* position of the definition's first token (its return type) */
};

/* The seven program blocks, in program order. */
typedef enum urn_block_kind {
  URN_BLK_FUNCTIONS, URN_BLK_DATA, URN_BLK_TDATA, URN_BLK_PARAMS, URN_BLK_TPARAMS,
  URN_BLK_MODEL, URN_BLK_GQ, URN_BLK_COUNT
} urn_block_kind;

typedef struct urn_block {
  unsigned char present; /* 1 when the block appears in the source (even empty) */
  int line, col;         /* position of the block keyword */
  urn_stmt **stmts;      /* the block's statements; data / parameters hold only URN_ST_DECL;
                            the functions block holds none (see urn_program.funs) */
  int nstmts;            /* number of statements */
  int end_line, end_col; /* position of the block's closing brace */
} urn_block;

struct urn_program {
  const char *path;      /* file name used in messages */
  const char *src;       /* a private NUL-terminated copy of the source text (for error display) */
  size_t len;            /* source length in bytes */
  urn_block blocks[URN_BLK_COUNT]; /* indexed by enum urn_block_kind */
  urn_fundef **funs;     /* functions block: every definition and forward declaration in order */
  int nfuns;             /* number of funs */
  int checked;           /* 1 after urn_check() succeeded */
  urn_arena arena;       /* owns every node, list and string of the program */
  int nslots;            /* (checker) number of program-level slots (every variable declared
                            outside functions, including locals and loop variables) */
  int ndefs;             /* (checker) number of function definitions (urn_fundef.index) */
  urn_comment *comments; /* the source's comments in order (arena), for urn format */
  int ncomments;         /* number of comments */
  const char *warnings;  /* warnings about old syntax read (lang/legacy.h): lines
                            "path:line:col: warning: ...\n"; NULL when none */
  const struct urn_srcseg *segs; /* when the program has #include: src is the expanded text and these map its
                                    lines to each file's own (lang/include.h; arena); NULL otherwise */
  int nsegs;             /* number of segs */
  const char **includes; /* the included files, each once, in order of first inclusion (arena) */
  int nincludes;         /* number of includes (0: none) */
};

/* The file and line (*fline) that line `line` of p->src comes from (p->path and line without #include). */
const char *urn_program_where(const urn_program *p, int line, int *fline);

/* Frees a program and all its nodes (NULL is fine). */
void urn_program_free(urn_program *p);

/* Writes a type as Stan spells it: "int", "real", "vector", "array[,] real" ... */
void urn_type_format(urn_type t, char *out, size_t cap);
/* The operator as written ("+", ".*", "'", ...). */
const char *urn_op_name(int op);
/* The assignment operator as written ("=", "+=", ...). */
const char *urn_assign_op_name(int op);
/* The declaration keyword ("int", "simplex", "cholesky_factor_corr", ...). */
const char *urn_decl_type_name(int dtype);
/* The block as written ("transformed parameters", ...). */
const char *urn_block_name(int blk);
/* The suffix class of a function name ("normal_lpdf" -> URN_SUF_LPDF; URN_SUF_NONE when none). */
int urn_fun_suffix_of(const char *name);

/* Appends e to out fully parenthesized: "((a + b) * c)", "(-x)", "(x)'", "f(y | m, s)",
   "x[i, :, 1:2]", "{1, 2}", "[a, b]", "(c ? a : b)" (for tests and messages). */
void urn_expr_format(const urn_expr *e, urn_buf *out);

/* Helpers for the parser: allocation in the program arena. */
urn_expr *urn_ast_expr(urn_program *p, int kind, int line, int col);
urn_stmt *urn_ast_stmt(urn_program *p, int kind, int line, int col);
urn_vardecl *urn_ast_vardecl(urn_program *p, const char *name, int line, int col);

#endif

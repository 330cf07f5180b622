/*
 * The flattener's hot loop in C: walks a parsed record (dicts, lists, str, int, float,
 * bool, None) through a stream's plan and appends CSV rows to one buffer per table.
 *
 * It produces exactly the bytes of the generated Python flattener in codegen.py, which
 * stays the reference: every case this file does not handle itself (a float in an
 * integer column, a date, a decimal, a date-time that is not "YYYY-MM-DDTHH:MM:SS[.f]Z",
 * a string to cut, any bad value) is handed to the same Python helpers the generated
 * code calls. tests/test_flatten_native.py holds both to the same output.
 *
 * The plan arrives as nested tuples built by observes_singer/flatten/native.py.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum { K_INTEGER, K_NUMBER, K_DECIMAL, K_BOOLEAN, K_TIMESTAMP, K_DATE, K_STRING, K_JSON };
enum { OP_SCALAR, OP_OBJECT, OP_LIST, OP_MAP };
enum {
    H_INTEGER, H_NUMBER, H_DECIMAL, H_BOOLEAN, H_TIMESTAMP, H_DATE, H_STRING, H_OBJECT,
    H_LIST, H_JSON, H_CUT, H_EXTRA, H_MISSING_KEY, H_HASH, H_REQUIRED, H_KEY, H_BIG_FLOAT,
    H_ROUNDED, H_SEE, H_COUNT
};

#define VARCHAR_MAX_BYTES 65535
#define ID_LEN 32
/* orjson reads integer literals past 2**64 - 1 or below -2**63 as floats: such a float
 * may be a rounded one. */
#define BIG_FLOAT 18446744073709551616.0
#define LOW_FLOAT -9223372036854775808.0
/* Integers past 2**53 may not survive a DOUBLE PRECISION column. */
#define EXACT_DOUBLE 9007199254740992LL

typedef struct Node {
    int op, kind, col, table;
    PyObject *where;     /* str (borrowed from the spec) */
    PyObject *scale;     /* int, DECIMAL only (borrowed) */
    Py_ssize_t nprops;
    PyObject **names;    /* OBJECT: property names (borrowed) */
    struct Node *children;
    PyObject *known;     /* OBJECT: frozenset of the names (borrowed) */
    Py_ssize_t ncols;    /* OBJECT: columns under it, all NULL when it is null */
    PyObject *required;  /* OBJECT: tuple of required names, NULL when none (borrowed) */
    int extras;          /* OBJECT: table of the other keys' key/value rows, 0 when none */
    PyObject *kind_name; /* key nodes: the kind's name for the key helper (borrowed) */
} Node;

typedef struct {
    char *data;
    Py_ssize_t len, cap;
    char sep;            /* ',' (CSV) or '\t' (PostgreSQL's text format) */
    int text;            /* strings escaped PostgreSQL's way instead of quoted */
    Py_ssize_t *ends;    /* end offset of each row */
    Py_ssize_t rows, ends_cap;
    Py_ssize_t *nul;     /* indices of rows that had NUL characters removed */
    Py_ssize_t nnul, nul_cap;
} Buffer;

typedef struct {
    int is_map;
    const char *path;    /* "/a.b/" */
    Py_ssize_t path_len;
    Node node;           /* list item, map value, or the record */
    Node key;            /* map key column */
    PyObject *maxes;     /* list of int: longest string per column, in bytes (borrowed) */
    Buffer buf;
} Table;

typedef struct {
    PyObject_HEAD
    PyObject *spec;
    Py_ssize_t ntables;
    Table *tables;
    Py_ssize_t nkeys;
    Node *keys;
    PyObject **key_names;
    PyObject *helpers[H_COUNT];
    const char *stream_prefix, *run_prefix;
    Py_ssize_t stream_prefix_len, run_prefix_len;
    int text;            /* rows in PostgreSQL's text format, else CSV */
    Buffer scratch;      /* hash input */
    Buffer keytok;       /* the key tokens of the current record as CSV, each followed by ',' */
    Buffer keyrow;       /* the same tokens in the rows' format, each followed by its separator */
    char last_sid[ID_LEN + 1]; /* the id of the last record flattened, for extend() */
} Flattener;

typedef struct {
    Flattener *f;
    const char *ver;
    Py_ssize_t ver_len;
} Ctx;

/* -- buffers ------------------------------------------------------------------------- */

static int reserve(Buffer *b, Py_ssize_t extra) {
    if (b->len + extra <= b->cap)
        return 0;
    Py_ssize_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + extra)
        cap *= 2;
    char *data = PyMem_Realloc(b->data, cap);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

static inline int put(Buffer *b, const char *s, Py_ssize_t n) {
    if (n == 0)
        return 0;
    if (reserve(b, n) < 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

/* Bytes with NUL characters left out (no warehouse stores them in text); kept when
 * had_nul is NULL (key tokens, which the id hash sees as they are). */
static int put_without_nul(Buffer *b, const char *s, Py_ssize_t n, int *had_nul) {
    if (n == 0 || had_nul == NULL || memchr(s, 0, n) == NULL)
        return put(b, s, n);
    if (reserve(b, n) < 0)
        return -1;
    char *out = b->data + b->len;
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i])
            *out++ = s[i];
    *had_nul = 1;
    b->len = out - b->data;
    return 0;
}

/* What PostgreSQL's text format escapes; NUL is left out. */
static unsigned char text_special[256];

static void init_text_special(void) {
    text_special[(unsigned char)'\\'] = '\\';
    text_special[(unsigned char)'\n'] = 'n';
    text_special[(unsigned char)'\r'] = 'r';
    text_special[(unsigned char)'\t'] = 't';
    text_special[0] = 1;
}

/* A string in PostgreSQL's text format, followed by the separator. */
static int put_text(Buffer *b, const char *s, Py_ssize_t n, int *had_nul) {
    if (reserve(b, 2 * n + 1) < 0)
        return -1;
    char *out = b->data + b->len;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned char special = text_special[c];
        if (!special) {
            *out++ = (char)c;
        } else if (c == 0) {
            if (had_nul != NULL)
                *had_nul = 1;
            else
                *out++ = 0;
        } else {
            *out++ = '\\';
            *out++ = (char)special;
        }
    }
    *out++ = b->sep;
    b->len = out - b->data;
    return 0;
}

/* A string token: CSV (quoted, quotes doubled) or text format, followed by the separator. */
static int put_quoted(Buffer *b, const char *s, Py_ssize_t n, int *had_nul) {
    if (b->text)
        return put_text(b, s, n, had_nul);
    if (reserve(b, 2 * n + 3) < 0)
        return -1;
    char *out = b->data + b->len;
    *out++ = '"';
    if (memchr(s, '"', n) == NULL && (had_nul == NULL || memchr(s, 0, n) == NULL)) {
        memcpy(out, s, n);
        out += n;
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            char c = s[i];
            if (c == '"') {
                *out++ = '"';
                *out++ = '"';
            } else if (c == 0 && had_nul != NULL) {
                *had_nul = 1;
            } else {
                *out++ = c;
            }
        }
    }
    *out++ = '"';
    *out++ = b->sep;
    b->len = out - b->data;
    return 0;
}

static inline Py_ssize_t format_int(char *out, long long value) {
    char digits[24];
    Py_ssize_t n = 0;
    unsigned long long u = value < 0 ? 0ULL - (unsigned long long)value : (unsigned long long)value;
    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    Py_ssize_t len = 0;
    if (value < 0)
        out[len++] = '-';
    while (n)
        out[len++] = digits[--n];
    return len;
}

static inline int put_int(Buffer *b, long long value, char end) {
    if (reserve(b, 24) < 0)
        return -1;
    b->len += format_int(b->data + b->len, value);
    b->data[b->len++] = end;
    return 0;
}

static inline int put_sep(Buffer *b) { return put(b, &b->sep, 1); }

static inline int put_null(Buffer *b) { return put(b, "\\N", 2) < 0 ? -1 : put_sep(b); }

/* A token a Python helper returned (a number, date or date-time: the same in both formats),
 * followed by the separator. */
static int put_token(Buffer *b, PyObject *token, int *had_nul) {
    if (token == NULL)
        return -1;
    if (!PyUnicode_Check(token)) {
        Py_DECREF(token);
        PyErr_SetString(PyExc_TypeError, "a flattener helper returned a non-string token");
        return -1;
    }
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(token, &n);
    int rc = s == NULL ? -1 : put_without_nul(b, s, n, had_nul);
    Py_DECREF(token);
    return rc < 0 ? -1 : put_sep(b);
}

/* Append to a growable array of offsets or row numbers. */
static int push(Py_ssize_t **items, Py_ssize_t *count, Py_ssize_t *cap, Py_ssize_t value) {
    if (*count == *cap) {
        Py_ssize_t grown = *cap ? *cap * 2 : 1024;
        Py_ssize_t *more = PyMem_Realloc(*items, grown * sizeof(Py_ssize_t));
        if (more == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        *items = more;
        *cap = grown;
    }
    (*items)[(*count)++] = value;
    return 0;
}

/* The row's last separator becomes its newline; remember where it ends. */
static int end_row(Buffer *b, int had_nul) {
    b->data[b->len - 1] = '\n';
    if (had_nul && push(&b->nul, &b->nnul, &b->nul_cap, b->rows) < 0)
        return -1;
    return push(&b->ends, &b->rows, &b->ends_cap, b->len);
}

/* -- helpers ------------------------------------------------------------------------- */

/* A helper that only ever raises BadValue. */
static int complain(Flattener *f, int helper, PyObject *value, PyObject *where) {
    PyObject *result = PyObject_CallFunctionObjArgs(f->helpers[helper], value, where, NULL);
    if (result != NULL) {
        Py_DECREF(result);
        PyErr_SetString(PyExc_RuntimeError, "a flattener check did not raise");
    }
    return -1;
}

static int make_id(Flattener *f, char out[ID_LEN + 1]) {
    PyObject *data = PyBytes_FromStringAndSize(f->scratch.data, f->scratch.len);
    if (data == NULL)
        return -1;
    PyObject *digest = PyObject_CallOneArg(f->helpers[H_HASH], data);
    Py_DECREF(data);
    if (digest == NULL)
        return -1;
    Py_ssize_t n;
    const char *text = PyUnicode_Check(digest) ? PyUnicode_AsUTF8AndSize(digest, &n) : NULL;
    if (text == NULL || n != ID_LEN) {
        Py_DECREF(digest);
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "the id hash must give 32 characters");
        return -1;
    }
    memcpy(out, text, ID_LEN);
    out[ID_LEN] = 0;
    Py_DECREF(digest);
    return 0;
}

static int days_in_month(int year, int month) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
        return 29;
    return days[month - 1];
}

/* "YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z" with every field in range: the shape most APIs send. */
static int plain_utc_timestamp(const char *s, Py_ssize_t n) {
    if (n != 20 && !(n >= 22 && n <= 26 && s[19] == '.'))
        return 0;
    if (s[n - 1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return 0;
    static const int digit_at[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    for (int i = 0; i < 14; i++)
        if (s[digit_at[i]] < '0' || s[digit_at[i]] > '9')
            return 0;
    for (Py_ssize_t i = 20; i < n - 1; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
#define TWO(p) ((s[p] - '0') * 10 + (s[p + 1] - '0'))
    int year = TWO(0) * 100 + TWO(2), month = TWO(5), day = TWO(8);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return 0;
    return TWO(11) < 24 && TWO(14) < 60 && TWO(17) < 60;
#undef TWO
}

/* -- the walk ------------------------------------------------------------------------ */

/* An int that fits 64 bits, and the separator: 1 when written, 0 when it does not fit. */
static int put_int64(Buffer *b, PyObject *v) {
    int overflow;
    long long value = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (value == -1 && PyErr_Occurred())
        return -1;
    if (overflow)
        return 0;
    return put_int(b, value, b->sep) < 0 ? -1 : 1;
}

static int scalar(Ctx *c, Table *t, Buffer *b, Node *node, PyObject *v, int *had_nul) {
    Flattener *f = c->f;
    switch (node->kind) {
    case K_INTEGER:
        if (v == Py_None)
            return put_null(b);
        if (PyLong_CheckExact(v)) {
            int rc = put_int64(b, v);
            if (rc != 0)
                return rc < 0 ? -1 : 0;
        }
        return put_token(b, PyObject_CallFunctionObjArgs(f->helpers[H_INTEGER], v,
                                                         node->where, NULL), had_nul);
    case K_NUMBER:
        if (v == Py_None)
            return put_null(b);
        if (PyFloat_CheckExact(v)) {
            double d = PyFloat_AS_DOUBLE(v);
            if (!(d > LOW_FLOAT && d < BIG_FLOAT))
                return put_token(b, PyObject_CallFunctionObjArgs(f->helpers[H_BIG_FLOAT], v,
                                                                 node->where, NULL), had_nul);
            char *text = PyOS_double_to_string(d, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
            if (text == NULL)
                return -1;
            int rc = put(b, text, (Py_ssize_t)strlen(text));
            PyMem_Free(text);
            return rc < 0 ? -1 : put_sep(b);
        }
        if (PyLong_CheckExact(v)) {
            int overflow;
            long long value = PyLong_AsLongLongAndOverflow(v, &overflow);
            if (value == -1 && PyErr_Occurred())
                return -1;
            if (!overflow && value >= -EXACT_DOUBLE && value <= EXACT_DOUBLE)
                return put_int(b, value, b->sep);
            return put_token(b, PyObject_CallFunctionObjArgs(f->helpers[H_ROUNDED], v,
                                                             node->where, NULL), had_nul);
        }
        return complain(f, H_NUMBER, v, node->where);
    case K_DECIMAL:
        return put_token(b, PyObject_CallFunctionObjArgs(f->helpers[H_DECIMAL], v,
                                                         node->where, node->scale, NULL),
                         had_nul);
    case K_BOOLEAN:
        if (v == Py_None)
            return put_null(b);
        if (v == Py_True)
            return put(b, "true", 4) < 0 ? -1 : put_sep(b);
        if (v == Py_False)
            return put(b, "false", 5) < 0 ? -1 : put_sep(b);
        return complain(f, H_BOOLEAN, v, node->where);
    case K_TIMESTAMP:
        if (v == Py_None)
            return put_null(b);
        if (PyUnicode_CheckExact(v) && PyUnicode_IS_ASCII(v)) {
            const char *s = (const char *)PyUnicode_DATA(v);
            Py_ssize_t n = PyUnicode_GET_LENGTH(v);
            if (plain_utc_timestamp(s, n)) {
                if (reserve(b, n + 1) < 0)
                    return -1;
                char *out = b->data + b->len;
                memcpy(out, s, 10);
                out[10] = ' ';
                memcpy(out + 11, s + 11, n - 12);
                out[n - 1] = b->sep;
                b->len += n;
                return 0;
            }
        }
        return put_token(b, PyObject_CallFunctionObjArgs(f->helpers[H_TIMESTAMP], v,
                                                         node->where, NULL), had_nul);
    case K_DATE:
        return put_token(b, PyObject_CallFunctionObjArgs(f->helpers[H_DATE], v, node->where,
                                                         NULL), had_nul);
    default: { /* K_STRING, K_JSON */
        if (v == Py_None)
            return put_null(b);
        PyObject *text = v;
        if (!PyUnicode_CheckExact(v)) {
            if (node->kind == K_STRING)
                return complain(f, H_STRING, v, node->where);
            text = PyObject_CallOneArg(f->helpers[H_JSON], v);
            if (text == NULL)
                return -1;
        } else {
            Py_INCREF(text);
        }
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(text, &n);
        if (s == NULL)
            goto fail;
        PyObject *seen = PyList_GET_ITEM(t->maxes, node->col);
        Py_ssize_t longest = PyLong_AsSsize_t(seen);
        if (longest == -1 && PyErr_Occurred())
            goto fail;
        if (n > longest) {
            if (n > VARCHAR_MAX_BYTES) {
                PyObject *cut = PyObject_CallFunctionObjArgs(f->helpers[H_CUT], text,
                                                             node->where, NULL);
                if (cut == NULL)
                    goto fail;
                Py_DECREF(text);
                text = cut;
                Py_ssize_t cut_len;
                s = PyUnicode_AsUTF8AndSize(text, &cut_len);
                if (s == NULL)
                    goto fail;
                n = VARCHAR_MAX_BYTES;
                if (put_quoted(b, s, cut_len, had_nul) < 0)
                    goto fail;
            } else if (put_quoted(b, s, n, had_nul) < 0) {
                goto fail;
            }
            PyObject *size = PyLong_FromSsize_t(n);
            if (size == NULL)
                goto fail;
            PyList_SetItem(t->maxes, node->col, size);
            Py_DECREF(text);
            return 0;
        }
        int rc = put_quoted(b, s, n, had_nul);
        Py_DECREF(text);
        return rc;
    fail:
        Py_DECREF(text);
        return -1;
    }
    }
}

static int table_row(Ctx *c, Py_ssize_t index, PyObject *key, PyObject *item,
                     const char *pid, const char *rid, Py_ssize_t position);

/* A key's CSV token (as the id hash sees it) in the rows' format, NUL kept. */
static int put_key_token(Buffer *b, const char *token, Py_ssize_t n) {
    if (!b->text || n < 2 || token[0] != '"')
        return put(b, token, n) < 0 ? -1 : put_sep(b);
    /* Unquote, then escape for the text format. */
    char *plain = PyMem_Malloc(n);
    if (plain == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t len = 0;
    for (Py_ssize_t i = 1; i < n - 1; i++) {
        plain[len++] = token[i];
        if (token[i] == '"')
            i++;
    }
    int rc = put_text(b, plain, len, NULL);
    PyMem_Free(plain);
    return rc;
}

static int walk(Ctx *c, Table *t, Buffer *b, Node *node, PyObject *v, const char *sid,
                const char *rid, int *had_nul) {
    Flattener *f = c->f;
    switch (node->op) {
    case OP_SCALAR:
        return scalar(c, t, b, node, v, had_nul);
    case OP_OBJECT: {
        if (v == Py_None) {
            if (reserve(b, 3 * node->ncols) < 0)
                return -1;
            for (Py_ssize_t i = 0; i < node->ncols; i++) {
                memcpy(b->data + b->len, "\\N", 2);
                b->data[b->len + 2] = b->sep;
                b->len += 3;
            }
            return 0;
        }
        if (!PyDict_CheckExact(v))
            return complain(f, H_OBJECT, v, node->where);
        if (node->required != NULL) {
            for (Py_ssize_t r = 0; r < PyTuple_GET_SIZE(node->required); r++) {
                int has = PyDict_Contains(v, PyTuple_GET_ITEM(node->required, r));
                if (has < 0)
                    return -1;
                if (!has) {
                    PyObject *r = PyObject_CallFunctionObjArgs(f->helpers[H_REQUIRED], v,
                                                               node->required, node->where,
                                                               NULL);
                    Py_XDECREF(r);
                    if (r != NULL)
                        PyErr_SetString(PyExc_RuntimeError, "a missing field did not raise");
                    return -1;
                }
            }
        }
        Py_ssize_t size = PyDict_GET_SIZE(v), found = 0;
        int extra_reported = node->extras != 0;
        if (!extra_reported && size > node->nprops) {
            PyObject *r = PyObject_CallFunctionObjArgs(f->helpers[H_EXTRA], v, node->known,
                                                       node->where, NULL);
            if (r == NULL)
                return -1;
            Py_DECREF(r);
            extra_reported = 1;
        }
        for (Py_ssize_t i = 0; i < node->nprops; i++) {
            PyObject *item = PyDict_GetItemWithError(v, node->names[i]);
            if (item == NULL) {
                if (PyErr_Occurred())
                    return -1;
                item = Py_None;
            } else {
                found++;
            }
            Py_INCREF(item);
            int rc = walk(c, t, b, &node->children[i], item, sid, rid, had_nul);
            Py_DECREF(item);
            if (rc < 0)
                return -1;
        }
        if (node->extras != 0 && found < size) {
            /* The keys not in the properties: rows of the object's key/value table. */
            PyObject *key, *item;
            Py_ssize_t pos = 0, i = 0;
            while (PyDict_Next(v, &pos, &key, &item)) {
                int known = PySet_Contains(node->known, key);
                if (known < 0)
                    return -1;
                if (known)
                    continue;
                Py_INCREF(key);
                Py_INCREF(item);
                int rc = table_row(c, node->extras, key, item, sid, rid, i++);
                Py_DECREF(key);
                Py_DECREF(item);
                if (rc < 0)
                    return -1;
            }
        } else if (!extra_reported && found < size) {
            PyObject *r = PyObject_CallFunctionObjArgs(f->helpers[H_EXTRA], v, node->known,
                                                       node->where, NULL);
            if (r == NULL)
                return -1;
            Py_DECREF(r);
        }
        return 0;
    }
    case OP_LIST: {
        if (v == Py_None)
            return 0;
        if (!PyList_CheckExact(v))
            return complain(f, H_LIST, v, node->where);
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(v); i++) {
            PyObject *item = PyList_GET_ITEM(v, i);
            Py_INCREF(item);
            int rc = table_row(c, node->table, NULL, item, sid, rid, i);
            Py_DECREF(item);
            if (rc < 0)
                return -1;
        }
        return 0;
    }
    default: { /* OP_MAP */
        if (v == Py_None)
            return 0;
        if (!PyDict_CheckExact(v))
            return complain(f, H_OBJECT, v, node->where);
        PyObject *key, *item;
        Py_ssize_t pos = 0, i = 0;
        while (PyDict_Next(v, &pos, &key, &item)) {
            Py_INCREF(key);
            Py_INCREF(item);
            int rc = table_row(c, node->table, key, item, sid, rid, i++);
            Py_DECREF(key);
            Py_DECREF(item);
            if (rc < 0)
                return -1;
        }
        return 0;
    }
    }
}

/* One row of a child table: a list item (key NULL) or a map entry. */
static int table_row(Ctx *c, Py_ssize_t index, PyObject *key, PyObject *item,
                     const char *pid, const char *rid, Py_ssize_t position) {
    Flattener *f = c->f;
    Table *t = &f->tables[index];
    Buffer *b = &t->buf;
    Buffer *scratch = &f->scratch;
    char sid[ID_LEN + 1];

    scratch->len = 0;
    if (put(scratch, pid, ID_LEN) < 0 || put(scratch, t->path, t->path_len) < 0)
        return -1;
    if (key != NULL) {
        PyObject *name = PyObject_Str(key);
        if (name == NULL)
            return -1;
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(name, &n);
        int rc = s == NULL ? -1 : put(scratch, s, n);
        Py_DECREF(name);
        if (rc < 0)
            return -1;
    } else {
        if (reserve(scratch, 24) < 0)
            return -1;
        scratch->len += format_int(scratch->data + scratch->len, position);
    }
    if (make_id(f, sid) < 0)
        return -1;

    int had_nul = 0;
    Py_ssize_t start = b->len;
    if (reserve(b, 3 * (ID_LEN + 1) + 24) < 0)
        return -1;
    memcpy(b->data + b->len, sid, ID_LEN);
    b->data[b->len + ID_LEN] = b->sep;
    memcpy(b->data + b->len + ID_LEN + 1, pid, ID_LEN);
    b->data[b->len + 2 * ID_LEN + 1] = b->sep;
    memcpy(b->data + b->len + 2 * ID_LEN + 2, rid, ID_LEN);
    b->data[b->len + 3 * ID_LEN + 2] = b->sep;
    b->len += 3 * (ID_LEN + 1);
    if (put_int(b, position, b->sep) < 0 || put(b, c->ver, c->ver_len) < 0 || put_sep(b) < 0 ||
        put_without_nul(b, f->keyrow.data, f->keyrow.len, &had_nul) < 0)
        goto fail;
    if (key != NULL && scalar(c, t, b, &t->key, key, &had_nul) < 0)
        goto fail;
    if (walk(c, t, b, &t->node, item, sid, rid, &had_nul) < 0)
        goto fail;
    return end_row(b, had_nul);
fail:
    b->len = start;
    return -1;
}

/* -- the type ------------------------------------------------------------------------ */

static void free_node(Node *node) {
    if (node->op == OP_OBJECT) {
        for (Py_ssize_t i = 0; i < node->nprops; i++)
            free_node(&node->children[i]);
        PyMem_Free(node->children);
        PyMem_Free(node->names);
    }
}

static void free_buffer(Buffer *b) {
    PyMem_Free(b->data);
    PyMem_Free(b->ends);
    PyMem_Free(b->nul);
    b->data = NULL;
    b->ends = b->nul = NULL;
    b->len = b->cap = b->rows = b->ends_cap = b->nnul = b->nul_cap = 0;
}

/*
 * Node specs:
 *   (0, kind, column, where, scale)            a scalar
 *   (1, where, names, children, known, ncols, required, extras)  an object
 *   (2, table, where)                          a list: rows of a child table
 *   (3, table, where)                          a map: rows of a child table
 */
static int parse_node(PyObject *spec, Node *node) {
    memset(node, 0, sizeof(*node));
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) < 3) {
        PyErr_SetString(PyExc_TypeError, "bad node spec");
        return -1;
    }
    node->op = (int)PyLong_AsLong(PyTuple_GET_ITEM(spec, 0));
    switch (node->op) {
    case OP_SCALAR:
        if (!PyArg_ParseTuple(spec, "iiiUO", &node->op, &node->kind, &node->col, &node->where,
                              &node->scale))
            return -1;
        return 0;
    case OP_OBJECT: {
        PyObject *names, *children, *required;
        if (!PyArg_ParseTuple(spec, "iUO!O!O!nO!i", &node->op, &node->where, &PyTuple_Type,
                              &names, &PyTuple_Type, &children, &PyFrozenSet_Type,
                              &node->known, &node->ncols, &PyTuple_Type, &required,
                              &node->extras))
            return -1;
        node->required = PyTuple_GET_SIZE(required) ? required : NULL;
        Py_ssize_t n = PyTuple_GET_SIZE(names);
        if (PyTuple_GET_SIZE(children) != n) {
            PyErr_SetString(PyExc_TypeError, "names and children differ in length");
            return -1;
        }
        node->names = PyMem_Calloc(n ? n : 1, sizeof(PyObject *));
        node->children = PyMem_Calloc(n ? n : 1, sizeof(Node));
        if (node->names == NULL || node->children == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        node->nprops = n;
        for (Py_ssize_t i = 0; i < n; i++) {
            node->names[i] = PyTuple_GET_ITEM(names, i);
            if (parse_node(PyTuple_GET_ITEM(children, i), &node->children[i]) < 0) {
                node->nprops = i + 1;
                return -1;
            }
        }
        return 0;
    }
    case OP_LIST:
    case OP_MAP:
        if (!PyArg_ParseTuple(spec, "iiU", &node->op, &node->table, &node->where))
            return -1;
        return 0;
    default:
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "unknown node op");
        return -1;
    }
}

/* Column and table indexes are used unchecked in the walk: check them once here. */
static int check_node(Flattener *self, Node *node, Py_ssize_t ncols) {
    if (node->op == OP_SCALAR && (node->col < 0 || node->col >= ncols))
        goto bad;
    if ((node->op == OP_LIST || node->op == OP_MAP) &&
        (node->table <= 0 || node->table >= self->ntables))
        goto bad;
    if (node->op == OP_OBJECT && (node->extras < 0 || node->extras >= self->ntables ||
                                  (node->extras != 0 && !self->tables[node->extras].is_map)))
        goto bad;
    if (node->op == OP_OBJECT)
        for (Py_ssize_t i = 0; i < node->nprops; i++)
            if (check_node(self, &node->children[i], ncols) < 0)
                return -1;
    return 0;
bad:
    PyErr_SetString(PyExc_ValueError, "a node refers to a column or table that is not there");
    return -1;
}

static void Flattener_dealloc(Flattener *self) {
    if (self->tables != NULL) {
        for (Py_ssize_t i = 0; i < self->ntables; i++) {
            free_node(&self->tables[i].node);
            free_buffer(&self->tables[i].buf);
        }
        PyMem_Free(self->tables);
    }
    if (self->keys != NULL) {
        PyMem_Free(self->keys);
        PyMem_Free(self->key_names);
    }
    free_buffer(&self->scratch);
    free_buffer(&self->keytok);
    free_buffer(&self->keyrow);
    for (int i = 0; i < H_COUNT; i++)
        Py_XDECREF(self->helpers[i]);
    Py_XDECREF(self->spec);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/*
 * Flattener(tables, keys, helpers, stream_prefix, run_prefix, text=False)
 *   tables: ((is_map, path, node, maxes, key_where), ...), root first
 *   keys: ((name, kind, column, scale, kind_name), ...)
 *   helpers: the Python callables, in the order of the H_ constants
 */
static int Flattener_init(Flattener *self, PyObject *args, PyObject *kwargs) {
    (void)kwargs;
    PyObject *tables, *keys, *helpers, *stream_prefix, *run_prefix;
    int text = 0;
    if (self->spec != NULL) {
        PyErr_SetString(PyExc_TypeError, "a Flattener is initialised once");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "O!O!O!SS|p", &PyTuple_Type, &tables, &PyTuple_Type, &keys,
                          &PyTuple_Type, &helpers, &stream_prefix, &run_prefix, &text))
        return -1;
    self->text = text;
    self->scratch.sep = self->keytok.sep = ',';
    self->keyrow.sep = text ? '\t' : ',';
    self->keyrow.text = text;
    if (PyTuple_GET_SIZE(helpers) != H_COUNT || PyTuple_GET_SIZE(tables) < 1) {
        PyErr_SetString(PyExc_TypeError, "wrong number of helpers or no tables");
        return -1;
    }
    self->spec = Py_NewRef(args);
    for (int i = 0; i < H_COUNT; i++)
        self->helpers[i] = Py_NewRef(PyTuple_GET_ITEM(helpers, i));
    self->stream_prefix = PyBytes_AS_STRING(stream_prefix);
    self->stream_prefix_len = PyBytes_GET_SIZE(stream_prefix);
    self->run_prefix = PyBytes_AS_STRING(run_prefix);
    self->run_prefix_len = PyBytes_GET_SIZE(run_prefix);

    Py_ssize_t ntables = PyTuple_GET_SIZE(tables);
    self->tables = PyMem_Calloc(ntables, sizeof(Table));
    if (self->tables == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->ntables = ntables;
    for (Py_ssize_t i = 0; i < ntables; i++) {
        Table *t = &self->tables[i];
        PyObject *node, *key_where;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(tables, i), "py#OO!O", &t->is_map, &t->path,
                              &t->path_len, &node, &PyList_Type, &t->maxes, &key_where))
            return -1;
        t->buf.sep = text ? '\t' : ',';
        t->buf.text = text;
        if (parse_node(node, &t->node) < 0)
            return -1;
        if (t->is_map) {
            t->key.op = OP_SCALAR;
            t->key.kind = K_STRING;
            t->key.col = 0;
            t->key.where = key_where;
        }
    }
    for (Py_ssize_t i = 0; i < ntables; i++)
        if (check_node(self, &self->tables[i].node, PyList_GET_SIZE(self->tables[i].maxes)) < 0)
            return -1;
    Py_ssize_t nkeys = PyTuple_GET_SIZE(keys);
    self->keys = PyMem_Calloc(nkeys ? nkeys : 1, sizeof(Node));
    self->key_names = PyMem_Calloc(nkeys ? nkeys : 1, sizeof(PyObject *));
    if (self->keys == NULL || self->key_names == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->nkeys = nkeys;
    for (Py_ssize_t i = 0; i < nkeys; i++) {
        Node *k = &self->keys[i];
        k->op = OP_SCALAR;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(keys, i), "UiiOU", &self->key_names[i], &k->kind,
                              &k->col, &k->scale, &k->kind_name))
            return -1;
        k->where = self->key_names[i];
        if (check_node(self, k, PyList_GET_SIZE(self->tables[0].maxes)) < 0)
            return -1;
    }
    return 0;
}

static PyObject *Flattener_flatten(Flattener *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "flatten(record, line, version) takes 3 arguments");
        return NULL;
    }
    PyObject *record = args[0], *line = args[1], *version = args[2];
    Ctx c = {self, NULL, 0};
    c.ver = PyUnicode_AsUTF8AndSize(version, &c.ver_len);
    if (c.ver == NULL)
        return NULL;
    if (!PyDict_CheckExact(record)) {
        complain(self, H_OBJECT, record, self->tables[0].node.where);
        return NULL;
    }
    Table *root = &self->tables[0];
    Buffer *b = &root->buf;
    Buffer *scratch = &self->scratch;
    Buffer *keytok = &self->keytok;
    int had_nul = 0;
    char sid[ID_LEN + 1];

    Buffer *keyrow = &self->keyrow;
    keytok->len = 0;
    keyrow->len = 0;
    scratch->len = 0;
    if (self->nkeys) {
        if (put(scratch, self->stream_prefix, self->stream_prefix_len) < 0)
            return NULL;
        for (Py_ssize_t i = 0; i < self->nkeys; i++) {
            PyObject *value = PyDict_GetItemWithError(record, self->key_names[i]);
            if (value == NULL && PyErr_Occurred())
                return NULL;
            if (value == NULL || value == Py_None) {
                PyObject *r = PyObject_CallOneArg(self->helpers[H_MISSING_KEY],
                                                  self->key_names[i]);
                Py_XDECREF(r);
                if (r != NULL)
                    PyErr_SetString(PyExc_RuntimeError, "a missing key did not raise");
                return NULL;
            }
            /* Tokens keep NUL here, as the hash sees them; rows drop it. */
            Py_ssize_t from = keytok->len;
            Node *key = &self->keys[i];
            Py_INCREF(value);
            int rc;
            if (key->kind == K_NUMBER || key->kind == K_TIMESTAMP)
                /* One spelling per key: 1 and 1.0, or .000Z and Z, hash the same. */
                rc = put_token(keytok, PyObject_CallFunctionObjArgs(
                    self->helpers[H_KEY], value, key->where, key->kind_name, NULL), NULL);
            else
                rc = scalar(&c, root, keytok, key, value, NULL);
            Py_DECREF(value);
            if (rc < 0)
                return NULL;
            if (i && put(scratch, "\x1f", 1) < 0)
                return NULL;
            const char *token = keytok->data + from;
            Py_ssize_t token_len = keytok->len - from - 1;
            if (put(scratch, token, token_len) < 0)
                return NULL;
            if (put_key_token(keyrow, token, token_len) < 0)
                return NULL;
        }
    } else {
        if (put(scratch, self->run_prefix, self->run_prefix_len) < 0)
            return NULL;
        PyObject *text = PyObject_Str(line);
        if (text == NULL)
            return NULL;
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(text, &n);
        int rc = s == NULL ? -1 : put(scratch, s, n);
        Py_DECREF(text);
        if (rc < 0)
            return NULL;
    }
    if (make_id(self, sid) < 0)
        return NULL;
    if (self->nkeys && self->helpers[H_SEE] != Py_None) {
        PyObject *id = PyUnicode_FromStringAndSize(sid, ID_LEN);
        if (id == NULL)
            return NULL;
        PyObject *r = PyObject_CallOneArg(self->helpers[H_SEE], id);
        Py_DECREF(id);
        if (r == NULL)
            return NULL;
        Py_DECREF(r);
    }

    /* On an error every buffer goes back to where this record started. */
    Py_ssize_t stack_marks[16];
    Py_ssize_t *marks = self->ntables <= 8 ? stack_marks
                                           : PyMem_Malloc(2 * self->ntables * sizeof(Py_ssize_t));
    if (marks == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < self->ntables; i++) {
        marks[2 * i] = self->tables[i].buf.len;
        marks[2 * i + 1] = self->tables[i].buf.rows;
    }
    int rc = 0;
    if (reserve(b, ID_LEN + 1) < 0) {
        rc = -1;
    } else {
        memcpy(b->data + b->len, sid, ID_LEN);
        b->data[b->len + ID_LEN] = b->sep;
        b->len += ID_LEN + 1;
        rc = put(b, c.ver, c.ver_len);
        if (rc == 0)
            rc = put_sep(b);
        if (rc == 0)
            rc = walk(&c, root, b, &root->node, record, sid, sid, &had_nul);
        if (rc == 0)
            rc = end_row(b, had_nul);
    }
    if (rc < 0) {
        for (Py_ssize_t i = 0; i < self->ntables; i++) {
            Buffer *tb = &self->tables[i].buf;
            tb->len = marks[2 * i];
            tb->rows = marks[2 * i + 1];
            while (tb->nnul && tb->nul[tb->nnul - 1] >= tb->rows)
                tb->nnul--;
        }
    }
    if (marks != stack_marks)
        PyMem_Free(marks);
    if (rc < 0) {
        self->last_sid[0] = 0;
        return NULL;
    }
    memcpy(self->last_sid, sid, ID_LEN + 1);
    Py_RETURN_NONE;
}

/*
 * extend(table, items, version, start): more items of a list of the last record
 * flattened, as rows of that list's table (a child of the root), numbered from start.
 * A record too large to parse whole is flattened without its largest lists, whose
 * items then come here in chunks.
 */
static PyObject *Flattener_extend(Flattener *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "extend(table, items, version, start) takes 4 "
                                         "arguments");
        return NULL;
    }
    Py_ssize_t index = PyLong_AsSsize_t(args[0]);
    if (index == -1 && PyErr_Occurred())
        return NULL;
    if (index <= 0 || index >= self->ntables || self->tables[index].is_map) {
        PyErr_SetString(PyExc_ValueError, "extend needs the index of a list's table");
        return NULL;
    }
    if (!PyList_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "extend needs a list of items");
        return NULL;
    }
    Py_ssize_t start = PyLong_AsSsize_t(args[3]);
    if (start == -1 && PyErr_Occurred())
        return NULL;
    if (self->last_sid[0] == 0) {
        PyErr_SetString(PyExc_RuntimeError, "extend follows a record that was flattened");
        return NULL;
    }
    Ctx c = {self, NULL, 0};
    c.ver = PyUnicode_AsUTF8AndSize(args[2], &c.ver_len);
    if (c.ver == NULL)
        return NULL;
    char sid[ID_LEN + 1];
    memcpy(sid, self->last_sid, ID_LEN + 1);
    PyObject *items = args[1];
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *item = PyList_GET_ITEM(items, i);
        Py_INCREF(item);
        int rc = table_row(&c, index, NULL, item, sid, sid, start + i);
        Py_DECREF(item);
        if (rc < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

static int table_index(Flattener *self, PyObject *arg, Py_ssize_t *index) {
    *index = PyLong_AsSsize_t(arg);
    if (*index == -1 && PyErr_Occurred())
        return -1;
    if (*index < 0 || *index >= self->ntables) {
        PyErr_SetString(PyExc_IndexError, "no such table");
        return -1;
    }
    return 0;
}

static PyObject *Flattener_rows(Flattener *self, PyObject *arg) {
    Py_ssize_t index;
    if (table_index(self, arg, &index) < 0)
        return NULL;
    return PyLong_FromSsize_t(self->tables[index].buf.rows);
}

/* take(table, limit=-1) -> (bytes, rows, rows_with_nul_removed): the first rows, removed. */
static PyObject *Flattener_take(Flattener *self, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "take(table, limit=-1)");
        return NULL;
    }
    Py_ssize_t index, limit = -1;
    if (table_index(self, args[0], &index) < 0)
        return NULL;
    if (nargs == 2) {
        limit = PyLong_AsSsize_t(args[1]);
        if (limit == -1 && PyErr_Occurred())
            return NULL;
    }
    Buffer *b = &self->tables[index].buf;
    Py_ssize_t rows = (limit < 0 || limit > b->rows) ? b->rows : limit;
    Py_ssize_t end = rows ? b->ends[rows - 1] : 0;
    Py_ssize_t nul = 0;
    while (nul < b->nnul && b->nul[nul] < rows)
        nul++;
    PyObject *data = PyBytes_FromStringAndSize(b->data, end);
    if (data == NULL)
        return NULL;
    if (rows == b->rows) {
        b->len = 0;
        b->rows = 0;
        b->nnul = 0;
        if (b->cap > (Py_ssize_t)1 << 24) { /* give back what one large batch took */
            free_buffer(b);
        }
    } else {
        memmove(b->data, b->data + end, b->len - end);
        b->len -= end;
        for (Py_ssize_t i = rows; i < b->rows; i++)
            b->ends[i - rows] = b->ends[i] - end;
        b->rows -= rows;
        for (Py_ssize_t i = nul; i < b->nnul; i++)
            b->nul[i - nul] = b->nul[i] - rows;
        b->nnul -= nul;
    }
    return Py_BuildValue("(Nnn)", data, rows, nul);
}

static PyMethodDef Flattener_methods[] = {
    {"flatten", (PyCFunction)(void (*)(void))Flattener_flatten, METH_FASTCALL,
     "flatten(record, line, version): append the record's rows to the tables' buffers."},
    {"rows", (PyCFunction)Flattener_rows, METH_O, "rows(table): rows waiting in a buffer."},
    {"extend", (PyCFunction)(void (*)(void))Flattener_extend, METH_FASTCALL,
     "extend(table, items, version, start): more items of a list of the last record."},
    {"take", (PyCFunction)(void (*)(void))Flattener_take, METH_FASTCALL,
     "take(table, limit=-1) -> (csv bytes, rows, rows that had NUL removed)."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject FlattenerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "observes_singer.flatten._native.Flattener",
    .tp_basicsize = sizeof(Flattener),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A stream's flattener: records in, CSV rows per table out.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Flattener_init,
    .tp_dealloc = (destructor)Flattener_dealloc,
    .tp_methods = Flattener_methods,
};

/* -- FingerprintSet ------------------------------------------------------------------ */

/*
 * The root ids a full refresh has staged, as 64-bit fingerprints (the first 16 hex
 * digits of the xxh3-128 id) in an open-addressing table: 8 to 16 bytes a key where a
 * Python set of ints takes about 60. Two ids sharing a fingerprint only cost a delete
 * that finds nothing (see KeyRegistry in codegen.py).
 */
typedef struct {
    PyObject_HEAD
    uint64_t *slots;     /* 0 is an empty slot */
    Py_ssize_t cap, used;
} FingerprintSet;

static int fingerprint(PyObject *id, uint64_t *out) {
    if (!PyUnicode_Check(id) || !PyUnicode_IS_ASCII(id) || PyUnicode_GET_LENGTH(id) < 16) {
        PyErr_SetString(PyExc_ValueError, "an id must be at least 16 hex digits");
        return -1;
    }
    const char *s = (const char *)PyUnicode_DATA(id);
    uint64_t value = 0;
    for (int i = 0; i < 16; i++) {
        char ch = s[i];
        int digit = ch >= '0' && ch <= '9' ? ch - '0'
                  : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (digit < 0) {
            PyErr_SetString(PyExc_ValueError, "an id must be at least 16 hex digits");
            return -1;
        }
        value = value << 4 | (uint64_t)digit;
    }
    *out = value ? value : 1;
    return 0;
}

static Py_ssize_t fp_slot(uint64_t *slots, Py_ssize_t cap, uint64_t fp) {
    Py_ssize_t i = (Py_ssize_t)(fp & (uint64_t)(cap - 1));
    while (slots[i] != 0 && slots[i] != fp)
        i = (i + 1) & (cap - 1);
    return i;
}

static int fp_grow(FingerprintSet *self) {
    Py_ssize_t cap = self->cap ? self->cap * 2 : 1024;
    uint64_t *slots = PyMem_Calloc(cap, sizeof(uint64_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < self->cap; i++)
        if (self->slots[i])
            slots[fp_slot(slots, cap, self->slots[i])] = self->slots[i];
    PyMem_Free(self->slots);
    self->slots = slots;
    self->cap = cap;
    return 0;
}

static int fp_add(FingerprintSet *self, PyObject *id) {
    uint64_t fp;
    if (fingerprint(id, &fp) < 0)
        return -1;
    if ((self->used + 1) * 2 > self->cap && fp_grow(self) < 0)
        return -1;
    Py_ssize_t i = fp_slot(self->slots, self->cap, fp);
    if (self->slots[i] == 0) {
        self->slots[i] = fp;
        self->used++;
    }
    return 0;
}

static PyObject *FingerprintSet_update(FingerprintSet *self, PyObject *ids) {
    PyObject *iterator = PyObject_GetIter(ids);
    if (iterator == NULL)
        return NULL;
    PyObject *id;
    while ((id = PyIter_Next(iterator)) != NULL) {
        int rc = fp_add(self, id);
        Py_DECREF(id);
        if (rc < 0) {
            Py_DECREF(iterator);
            return NULL;
        }
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred())
        return NULL;
    Py_RETURN_NONE;
}

static int FingerprintSet_contains(FingerprintSet *self, PyObject *id) {
    uint64_t fp;
    if (fingerprint(id, &fp) < 0)
        return -1;
    if (self->cap == 0)
        return 0;
    return self->slots[fp_slot(self->slots, self->cap, fp)] == fp;
}

static Py_ssize_t FingerprintSet_len(FingerprintSet *self) { return self->used; }

static void FingerprintSet_dealloc(FingerprintSet *self) {
    PyMem_Free(self->slots);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef FingerprintSet_methods[] = {
    {"update", (PyCFunction)FingerprintSet_update, METH_O,
     "update(ids): add the fingerprints of these ids"},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods FingerprintSet_sequence = {
    .sq_length = (lenfunc)FingerprintSet_len,
    .sq_contains = (objobjproc)FingerprintSet_contains,
};

static PyTypeObject FingerprintSetType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "observes_singer.flatten._native.FingerprintSet",
    .tp_basicsize = sizeof(FingerprintSet),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A set of ids kept as 64-bit fingerprints.",
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)FingerprintSet_dealloc,
    .tp_methods = FingerprintSet_methods,
    .tp_as_sequence = &FingerprintSet_sequence,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native", "The flattener's hot loop in C.", -1, NULL,
};

PyMODINIT_FUNC PyInit__native(void) {
    init_text_special();
    if (PyType_Ready(&FlattenerType) < 0 || PyType_Ready(&FingerprintSetType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Flattener", (PyObject *)&FlattenerType) < 0 ||
        PyModule_AddObjectRef(m, "FingerprintSet", (PyObject *)&FingerprintSetType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

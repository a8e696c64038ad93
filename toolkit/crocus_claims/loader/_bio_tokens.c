/* The default tokenizer's token columns, compiled (loader/bio.py: regex_token_columns, which this
 * computes exactly, and which runs wherever this module was not built).
 *
 * token_columns(text) -> (tokens, starts, ends): the matches of bio.TOKEN,
 * \w+(?:[-.,]\w+)*|[^\w\s], as three lists (str, and offsets in code points). \w and \s are the
 * regular expression module's for str patterns: Py_UNICODE_ISALNUM or "_", and Py_UNICODE_ISSPACE.
 * The pattern needs no backtracking: a separator joins two words only when a word character
 * follows it. Offsets below OFFSETS_SHARED are shared int objects (an int is immutable), so a
 * document costs no int allocation for them. tests/test_loader_bio.py compares this with the
 * pattern on generated texts of every shape.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define ABI 1 /* bio.py uses this module only when it says the same: a stale build is left out */
#define OFFSETS_SHARED 65536

static unsigned char ascii_word[128], ascii_space[128];
static PyObject *shared_offsets[OFFSETS_SHARED];

static inline int is_word(Py_UCS4 c)
{
    return c < 128 ? ascii_word[c] : (Py_UNICODE_ISALNUM(c) || c == '_');
}

static inline int is_space(Py_UCS4 c)
{
    return c < 128 ? ascii_space[c] : Py_UNICODE_ISSPACE(c);
}

/* A new reference to the int `value` (>= 0). */
static PyObject *offset(Py_ssize_t value)
{
    if (value >= OFFSETS_SHARED)
        return PyLong_FromSsize_t(value);
    if (shared_offsets[value] == NULL && (shared_offsets[value] = PyLong_FromSsize_t(value)) == NULL)
        return NULL;
    Py_INCREF(shared_offsets[value]);
    return shared_offsets[value];
}

/* Appends a token to the three lists; -1 on an error. */
static int append(PyObject *text, Py_ssize_t start, Py_ssize_t end, PyObject *tokens, PyObject *starts,
                  PyObject *ends)
{
    PyObject *token = PyUnicode_Substring(text, start, end), *first = offset(start), *stop = offset(end);
    int failed = token == NULL || first == NULL || stop == NULL || PyList_Append(tokens, token) < 0
                 || PyList_Append(starts, first) < 0 || PyList_Append(ends, stop) < 0;
    Py_XDECREF(token);
    Py_XDECREF(first);
    Py_XDECREF(stop);
    return failed ? -1 : 0;
}

static PyObject *token_columns(PyObject *module, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "token_columns takes a str");
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) /* a str made by the old C API (every str is ready since 3.12) */
        return NULL;
#endif
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), i = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *tokens = PyList_New(0), *starts = PyList_New(0), *ends = PyList_New(0);
    if (tokens == NULL || starts == NULL || ends == NULL)
        goto fail;
    while (i < length) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        Py_ssize_t end = i + 1;
        if (is_word(c)) {
            for (;;) {
                while (end < length && is_word(PyUnicode_READ(kind, data, end)))
                    end++;
                if (end + 1 < length) {
                    Py_UCS4 separator = PyUnicode_READ(kind, data, end);
                    if ((separator == '-' || separator == '.' || separator == ',')
                        && is_word(PyUnicode_READ(kind, data, end + 1))) {
                        end += 2;
                        continue;
                    }
                }
                break;
            }
        }
        else if (is_space(c)) {
            i++;
            continue;
        }
        if (append(text, i, end, tokens, starts, ends) < 0)
            goto fail;
        i = end;
    }
    return Py_BuildValue("(NNN)", tokens, starts, ends);
fail:
    Py_XDECREF(tokens);
    Py_XDECREF(starts);
    Py_XDECREF(ends);
    return NULL;
}

static PyMethodDef methods[] = {
    {"token_columns", token_columns, METH_O,
     "token_columns(text) -> (tokens, starts, ends): bio.regex_token_columns, compiled."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_bio_tokens",
    .m_doc = "The default tokenizer's token columns, compiled (loader/bio.py, regex_token_columns).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__bio_tokens(void)
{
    for (int c = 0; c < 128; c++) {
        ascii_word[c] = Py_UNICODE_ISALNUM(c) || c == '_';
        ascii_space[c] = Py_UNICODE_ISSPACE(c);
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "ABI", ABI) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

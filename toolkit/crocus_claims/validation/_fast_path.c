/* The fast path's span and relation checks, compiled (see fast_path.py, SpanChecks, which this
 * module computes exactly, and which runs wherever this module was not built).
 *
 * SpanChecker(...)(text, spans, relations) reads the decoded msgspec structs' fields in place
 * (each field is a slot: its member descriptor gives its offset) and returns:
 *   >= 0         the spans and relations are clean; the number is the keys they write plus the
 *                colons of their strings (duplicate_keys.py counts the line's colons against it);
 *   NOT_CLEAN    (-1) the reference checks must run;
 *   UNKNOWN_ID   (-2) an id is not yet in the set of valid ids: the caller checks the ids and asks again;
 *   TOO_MANY     (-3) more spans or relations than this module compares pairwise: SpanChecks decides.
 * The two agree on every struct the decoder makes (offsets >= 0); tests/test_validation_fast_path.py
 * compares them on every line it generates. ABI names this interface: fast_path.py leaves a module
 * of another ABI unused (a build older than its sources).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <limits.h>

#define NOT_CLEAN (-1)
#define UNKNOWN_ID (-2)
#define TOO_MANY (-3)
#define MAX_ITEMS 128 /* pairwise comparisons beyond this cost more than SpanChecks' sets */
#define ABI 1 /* fast_path.py uses this module only when it says the same: a stale build is left out */

enum { SPAN_ID, SPAN_START, SPAN_END, SPAN_TEXT, SPAN_ATTRIBUTES, SPAN_FIELDS };
enum { RELATION_ID, RELATION_TYPE, RELATION_HEAD, RELATION_TAIL, RELATION_FIELDS };
static const char *span_fields[SPAN_FIELDS] = {"id", "start", "end", "text", "attributes"};
static const char *relation_fields[RELATION_FIELDS] = {"id", "type", "head", "tail"};

/* A label's interval (schema.Interval): which attributes hold the qualifier, value, minimum and
 * maximum, and per qualifier the rule of each (fast_path.interval_check, which this computes). */
enum { QUALIFIER, VALUE, MINIMUM, MAXIMUM, INTERVAL_FIELDS };
enum { RULE_ANY, RULE_REQUIRED, RULE_NULL, RULE_FROM_VALUE };

typedef struct {
    PyTypeObject *attributes_type;
    Py_ssize_t offsets[INTERVAL_FIELDS];
    PyObject *qualifiers;      /* tuple of str */
    unsigned char *rules;      /* per qualifier: the value's, the minimum's and the maximum's rule */
    long long *shifts;         /* per qualifier: RULE_FROM_VALUE's offset for the minimum and the maximum */
} IntervalRules;

typedef struct {
    PyTypeObject *type;
    Py_ssize_t offsets[SPAN_FIELDS];
    Py_ssize_t keys;           /* the keys a span of this label writes */
    PyObject *strings;         /* tuple: names of its attributes that hold free text */
    PyObject *interval;        /* callable(attributes) -> bool, or NULL: the Python check */
    IntervalRules *rules;      /* the same check in C, or NULL */
} SpanType;

typedef struct {
    PyObject_HEAD
    Py_ssize_t n_types;
    SpanType *types;
    PyTypeObject *relation_type;
    Py_ssize_t relation_offsets[RELATION_FIELDS];
    Py_ssize_t relation_keys;
    PyObject *kinds;            /* tuple of relation type names */
    Py_hash_t *kind_hashes;
    unsigned char *allowed;     /* [kind][head type][tail type] */
    Py_ssize_t *max_per_head;   /* per kind, -1 for no limit */
    PyObject *valid_ids;        /* set, shared with records._IdentifierCheck */
    PyObject *keep;             /* the constructor's arguments, kept alive */
} SpanChecker;

#define FIELD(object, offset) (*(PyObject **)((char *)(object) + (offset)))

static int slot_offsets(PyTypeObject *type, const char **names, Py_ssize_t count, Py_ssize_t *offsets)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *descriptor = PyObject_GetAttrString((PyObject *)type, names[i]);
        if (descriptor == NULL)
            return -1;
        int is_slot = Py_IS_TYPE(descriptor, &PyMemberDescr_Type)
                      && ((PyMemberDescrObject *)descriptor)->d_member->type == T_OBJECT_EX;
        if (is_slot)
            offsets[i] = ((PyMemberDescrObject *)descriptor)->d_member->offset;
        Py_DECREF(descriptor);
        if (!is_slot) {
            PyErr_Format(PyExc_TypeError, "%s.%s is not a slot", type->tp_name, names[i]);
            return -1;
        }
    }
    return 0;
}

static int str_eq(PyObject *a, PyObject *b)
{
    if (a == b)
        return 1;
    Py_ssize_t length = PyUnicode_GET_LENGTH(a);
    int kind = PyUnicode_KIND(a);
    return length == PyUnicode_GET_LENGTH(b) && kind == PyUnicode_KIND(b)
           && memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)length * kind) == 0;
}

/* text[start:start + len(quote)] == quote, both canonical (compact) str */
static int slice_eq(PyObject *text, Py_ssize_t start, PyObject *quote)
{
    Py_ssize_t length = PyUnicode_GET_LENGTH(quote);
    int kind = PyUnicode_KIND(text), quote_kind = PyUnicode_KIND(quote);
    const void *data = PyUnicode_DATA(text), *quoted = PyUnicode_DATA(quote);
    if (kind == quote_kind)
        return memcmp((const char *)data + start * kind, quoted, (size_t)length * kind) == 0;
    for (Py_ssize_t i = 0; i < length; i++)
        if (PyUnicode_READ(kind, data, start + i) != PyUnicode_READ(quote_kind, quoted, i))
            return 0;
    return 1;
}

/* The colons of bytes[0:length]. Counted in blocks with a byte-sized total, which compilers turn
 * into vector instructions: ten times the speed of one running total on 2 KB. */
static Py_ssize_t count_colon_bytes(const unsigned char *bytes, Py_ssize_t length)
{
    Py_ssize_t count = 0, i = 0;
    for (; i + 128 <= length; i += 128) {
        unsigned char block = 0;
        for (int j = 0; j < 128; j++)
            block += bytes[i + j] == ':';
        count += block;
    }
    for (; i < length; i++)
        count += bytes[i] == ':';
    return count;
}

static Py_ssize_t colons(PyObject *string)
{
    Py_ssize_t length = PyUnicode_GET_LENGTH(string), count = 0;
    int kind = PyUnicode_KIND(string);
    const void *data = PyUnicode_DATA(string);
    if (kind == PyUnicode_1BYTE_KIND)
        return count_colon_bytes(data, length);
    for (Py_ssize_t i = 0; i < length; i++)
        count += PyUnicode_READ(kind, data, i) == ':';
    return count;
}

static int is_str(PyObject *object)
{
#if PY_VERSION_HEX < 0x030C0000
    return PyUnicode_CheckExact(object) && PyUnicode_IS_READY(object);
#else
    return PyUnicode_CheckExact(object); /* every str is ready since 3.12 */
#endif
}

static Py_ssize_t span_type_index(SpanChecker *self, PyObject *span)
{
    PyTypeObject *type = Py_TYPE(span);
    for (Py_ssize_t t = 0; t < self->n_types; t++)
        if (self->types[t].type == type)
            return t;
    return -1;
}

/* The colons of the span's free-text attributes, or -1 (an error is set when Python raised). */
static Py_ssize_t attribute_colons(PyObject *attributes, PyObject *names)
{
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(names); i++) {
        PyObject *value = PyObject_GetAttr(attributes, PyTuple_GET_ITEM(names, i));
        if (value == NULL)
            return -1;
        if (is_str(value))
            count += colons(value);
        else if (value != Py_None) {
            Py_DECREF(value);
            return -1;
        }
        Py_DECREF(value);
    }
    return count;
}

/* An int attribute or null: 1 and *number set, 0 for None; -1 for anything else (or too large). */
static int read_number(PyObject *object, long long *number)
{
    if (object == Py_None)
        return 0;
    if (!PyLong_CheckExact(object))
        return -1;
    int overflow;
    *number = PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow || (*number == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return -1;
    }
    return 1;
}

static int bound_ok(unsigned char rule, long long shift, int has_bound, long long bound, int has_value,
                    long long value, int is_minimum)
{
    switch (rule) {
    case RULE_REQUIRED:
        return has_bound && (!has_value || (is_minimum ? value >= bound : value <= bound));
    case RULE_NULL:
        return !has_bound;
    case RULE_FROM_VALUE: /* bound == value + shift; a null bound equals no number */
        return !has_value || (has_bound && bound == value + shift);
    default: /* any: free, so it must contain the value */
        return !has_bound || !has_value || (is_minimum ? value >= bound : value <= bound);
    }
}

/* 1 when the attributes satisfy the interval, 0 when not, -1 when only the Python check can say. */
static int interval_ok(IntervalRules *rules, PyObject *attributes)
{
    if (Py_TYPE(attributes) != rules->attributes_type)
        return -1;
    PyObject *qualifier = FIELD(attributes, rules->offsets[QUALIFIER]);
    if (qualifier == NULL || !is_str(qualifier))
        return -1;
    Py_ssize_t q = -1, n = PyTuple_GET_SIZE(rules->qualifiers);
    for (Py_ssize_t i = 0; i < n && q < 0; i++)
        if (str_eq(PyTuple_GET_ITEM(rules->qualifiers, i), qualifier))
            q = i;
    long long value = 0, low = 0, high = 0;
    PyObject *value_object = FIELD(attributes, rules->offsets[VALUE]);
    PyObject *low_object = FIELD(attributes, rules->offsets[MINIMUM]);
    PyObject *high_object = FIELD(attributes, rules->offsets[MAXIMUM]);
    if (q < 0 || value_object == NULL || low_object == NULL || high_object == NULL)
        return -1;
    int has_value = read_number(value_object, &value), has_low = read_number(low_object, &low);
    int has_high = read_number(high_object, &high);
    if (has_value < 0 || has_low < 0 || has_high < 0)
        return -1;
    const unsigned char *rule = rules->rules + 3 * q;
    const long long *shift = rules->shifts + 2 * q;
    if ((rule[0] == RULE_REQUIRED && !has_value) || (rule[0] == RULE_NULL && has_value))
        return 0;
    if (has_low && has_high && low > high)
        return 0;
    for (int side = 0; side < 2 && has_value; side++)
        if (rule[1 + side] == RULE_FROM_VALUE
            && (shift[side] > 0 ? value > LLONG_MAX - shift[side] : value < LLONG_MIN - shift[side]))
            return -1; /* value + shift would overflow: Python's integers say */
    return bound_ok(rule[1], shift[0], has_low, low, has_value, value, 1)
           && bound_ok(rule[2], shift[1], has_high, high, has_value, value, 0);
}

/* 1 when `id` is not (yet) in the set of ids known valid, 0 when it is, -1 on an error. */
static int not_known_valid(SpanChecker *self, PyObject *id)
{
    int known = PySet_Contains(self->valid_ids, id);
    return known < 0 ? -1 : !known;
}

static PyObject *result(Py_ssize_t value)
{
    return PyLong_FromSsize_t(value);
}

/* The checks, on tuples: a tuple cannot change while the checks call back into Python (the figure
 * rules' Python check, a free-text attribute), so the fields read from its items stay alive. */
static PyObject *check(SpanChecker *self, PyObject *text, PyObject *spans, PyObject *relations)
{
    Py_ssize_t n = PyTuple_GET_SIZE(spans), r = PyTuple_GET_SIZE(relations);
    if (n > MAX_ITEMS || r > MAX_ITEMS)
        return result(TOO_MANY);
    if (!is_str(text))
        return result(NOT_CLEAN);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text), counted = self->relation_keys * r;
    PyObject *ids[MAX_ITEMS];
    Py_hash_t id_hashes[MAX_ITEMS];  /* strings are equal only where their hashes are: compared first */
    Py_ssize_t type_of[MAX_ITEMS], starts[MAX_ITEMS], ends[MAX_ITEMS];
    int unknown_id = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *span = PyTuple_GET_ITEM(spans, i);
        Py_ssize_t t = span_type_index(self, span);
        if (t < 0)
            return result(NOT_CLEAN);
        SpanType *type = &self->types[t];
        PyObject *id = FIELD(span, type->offsets[SPAN_ID]), *quote = FIELD(span, type->offsets[SPAN_TEXT]);
        PyObject *start_object = FIELD(span, type->offsets[SPAN_START]);
        PyObject *end_object = FIELD(span, type->offsets[SPAN_END]);
        PyObject *attributes = FIELD(span, type->offsets[SPAN_ATTRIBUTES]);
        if (id == NULL || quote == NULL || start_object == NULL || end_object == NULL || attributes == NULL
            || !is_str(id) || !is_str(quote) || !PyLong_CheckExact(start_object)
            || !PyLong_CheckExact(end_object))
            return result(NOT_CLEAN);
        Py_ssize_t start = PyLong_AsSsize_t(start_object), end = PyLong_AsSsize_t(end_object);
        if (PyErr_Occurred()) {
            PyErr_Clear();
            return result(NOT_CLEAN);
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(quote);
        /* offsets are >= 0 in every struct the decoder makes; a negative one is left to the reference */
        if (start < 0 || end < 0 || end > size || length == 0 || end - start != length
            || !slice_eq(text, start, quote))
            return result(NOT_CLEAN);
        int quote_kind = PyUnicode_KIND(quote);
        const void *quoted = PyUnicode_DATA(quote);
        if (Py_UNICODE_ISSPACE(PyUnicode_READ(quote_kind, quoted, 0))
            || Py_UNICODE_ISSPACE(PyUnicode_READ(quote_kind, quoted, length - 1)))
            return result(NOT_CLEAN);
        int within = type->rules != NULL ? interval_ok(type->rules, attributes) : -1;
        if (within == 0)
            return result(NOT_CLEAN);
        if (within < 0 && type->interval != NULL) {
            PyObject *verdict = PyObject_CallOneArg(type->interval, attributes);
            if (verdict == NULL)
                return NULL;
            int ok = PyObject_IsTrue(verdict);
            Py_DECREF(verdict);
            if (ok < 0)
                return NULL;
            if (!ok)
                return result(NOT_CLEAN);
        }
        Py_hash_t id_hash = PyObject_Hash(id);
        if (id_hash == -1)
            return NULL;
        for (Py_ssize_t j = 0; j < i; j++)
            if ((id_hashes[j] == id_hash && str_eq(ids[j], id))
                || (type_of[j] == t && starts[j] == start && ends[j] == end))
                return result(NOT_CLEAN);
        if (!unknown_id && (unknown_id = not_known_valid(self, id)) < 0)
            return NULL;
        ids[i] = id;
        id_hashes[i] = id_hash;
        type_of[i] = t;
        starts[i] = start;
        ends[i] = end;
        counted += type->keys + colons(quote);
        if (PyTuple_GET_SIZE(type->strings)) {
            Py_ssize_t more = attribute_colons(attributes, type->strings);
            if (more < 0)
                return PyErr_Occurred() ? NULL : result(NOT_CLEAN);
            counted += more;
        }
    }
    PyObject *relation_ids[MAX_ITEMS];
    Py_hash_t relation_hashes[MAX_ITEMS];
    Py_ssize_t kinds[MAX_ITEMS], heads[MAX_ITEMS], tails[MAX_ITEMS];
    Py_ssize_t n_kinds = PyTuple_GET_SIZE(self->kinds);
    for (Py_ssize_t i = 0; i < r; i++) {
        PyObject *relation = PyTuple_GET_ITEM(relations, i);
        if (Py_TYPE(relation) != self->relation_type)
            return result(NOT_CLEAN);
        Py_ssize_t *offsets = self->relation_offsets;
        PyObject *id = FIELD(relation, offsets[RELATION_ID]);
        PyObject *kind_name = FIELD(relation, offsets[RELATION_TYPE]);
        PyObject *head = FIELD(relation, offsets[RELATION_HEAD]);
        PyObject *tail = FIELD(relation, offsets[RELATION_TAIL]);
        if (id == NULL || kind_name == NULL || head == NULL || tail == NULL
            || !is_str(id) || !is_str(kind_name) || !is_str(head) || !is_str(tail) || str_eq(head, tail))
            return result(NOT_CLEAN);
        Py_hash_t id_hash = PyObject_Hash(id), kind_hash = PyObject_Hash(kind_name);
        Py_hash_t head_hash = PyObject_Hash(head), tail_hash = PyObject_Hash(tail);
        if (id_hash == -1 || kind_hash == -1 || head_hash == -1 || tail_hash == -1)
            return NULL;
        Py_ssize_t kind = -1, head_span = -1, tail_span = -1;
        for (Py_ssize_t k = 0; k < n_kinds && kind < 0; k++)
            if (self->kind_hashes[k] == kind_hash && str_eq(PyTuple_GET_ITEM(self->kinds, k), kind_name))
                kind = k;
        for (Py_ssize_t s = 0; s < n; s++) {
            if (head_span < 0 && id_hashes[s] == head_hash && str_eq(ids[s], head))
                head_span = s;
            if (tail_span < 0 && id_hashes[s] == tail_hash && str_eq(ids[s], tail))
                tail_span = s;
        }
        if (kind < 0 || head_span < 0 || tail_span < 0)
            return result(NOT_CLEAN);
        Py_ssize_t n_types = self->n_types;
        if (!self->allowed[(kind * n_types + type_of[head_span]) * n_types + type_of[tail_span]])
            return result(NOT_CLEAN);
        Py_ssize_t same_head = 1;
        for (Py_ssize_t j = 0; j < i; j++) {
            if ((relation_hashes[j] == id_hash && str_eq(relation_ids[j], id))
                || (kinds[j] == kind && heads[j] == head_span && tails[j] == tail_span))
                return result(NOT_CLEAN);
            same_head += kinds[j] == kind && heads[j] == head_span;
        }
        if (self->max_per_head[kind] >= 0 && same_head > self->max_per_head[kind])
            return result(NOT_CLEAN);
        if (!unknown_id && (unknown_id = not_known_valid(self, id)) < 0)
            return NULL;
        relation_ids[i] = id;
        relation_hashes[i] = id_hash;
        kinds[i] = kind;
        heads[i] = head_span;
        tails[i] = tail_span;
    }
    return result(unknown_id ? UNKNOWN_ID : counted);
}

static PyObject *SpanChecker_call(SpanChecker *self, PyObject *args, PyObject *kwargs)
{
    PyObject *text, *spans, *relations;
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) > 0) {
        PyErr_SetString(PyExc_TypeError, "SpanChecker takes (text, spans, relations), by position");
        return NULL;
    }
    if (self->types == NULL || self->kinds == NULL || self->valid_ids == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "SpanChecker was not initialised");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "UO!O!", &text, &PyList_Type, &spans, &PyList_Type, &relations))
        return NULL;
    PyObject *span_tuple = PyList_AsTuple(spans), *relation_tuple = PyList_AsTuple(relations);
    PyObject *verdict = span_tuple && relation_tuple ? check(self, text, span_tuple, relation_tuple) : NULL;
    Py_XDECREF(span_tuple);
    Py_XDECREF(relation_tuple);
    return verdict;
}

/* IntervalRules from (attributes type, (qualifier, value, minimum, maximum) attribute names,
 * qualifiers, rules: bytes of 3 per qualifier, shifts: 2 ints per qualifier). */
static IntervalRules *interval_rules(PyObject *spec)
{
    PyObject *attributes_type, *names, *qualifiers, *rules, *shifts;
    if (!PyArg_ParseTuple(spec, "O!O!O!SO!", &PyType_Type, &attributes_type, &PyTuple_Type, &names,
                          &PyTuple_Type, &qualifiers, &rules, &PyTuple_Type, &shifts))
        return NULL;
    Py_ssize_t q = PyTuple_GET_SIZE(qualifiers);
    if (PyTuple_GET_SIZE(names) != INTERVAL_FIELDS || PyBytes_GET_SIZE(rules) != 3 * q
        || PyTuple_GET_SIZE(shifts) != 2 * q) {
        PyErr_SetString(PyExc_ValueError, "SpanChecker: an interval's tables' sizes disagree");
        return NULL;
    }
    IntervalRules *result = PyMem_Calloc(1, sizeof(IntervalRules));
    if (result == NULL)
        return (IntervalRules *)PyErr_NoMemory();
    result->attributes_type = (PyTypeObject *)attributes_type;
    result->qualifiers = qualifiers;
    result->rules = PyMem_Malloc(3 * q + 1);
    result->shifts = PyMem_Calloc(2 * q + 1, sizeof(long long));
    if (result->rules == NULL || result->shifts == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    memcpy(result->rules, PyBytes_AS_STRING(rules), 3 * q);
    for (Py_ssize_t i = 0; i < 2 * q; i++) {
        result->shifts[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(shifts, i));
        if (result->shifts[i] == -1 && PyErr_Occurred())
            goto fail;
    }
    const char *fields[INTERVAL_FIELDS];
    for (int i = 0; i < INTERVAL_FIELDS; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        fields[i] = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
        if (fields[i] == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "SpanChecker: an interval's attribute names are str");
            goto fail;
        }
    }
    if (slot_offsets(result->attributes_type, fields, INTERVAL_FIELDS, result->offsets) < 0)
        goto fail;
    return result;
fail:
    PyMem_Free(result->rules);
    PyMem_Free(result->shifts);
    PyMem_Free(result);
    return NULL;
}

static void free_interval_rules(IntervalRules *rules)
{
    if (rules != NULL) {
        PyMem_Free(rules->rules);
        PyMem_Free(rules->shifts);
        PyMem_Free(rules);
    }
}

static void SpanChecker_dealloc(SpanChecker *self)
{
    for (Py_ssize_t t = 0; self->types != NULL && t < self->n_types; t++)
        free_interval_rules(self->types[t].rules);
    PyMem_Free(self->types);
    PyMem_Free(self->allowed);
    PyMem_Free(self->max_per_head);
    PyMem_Free(self->kind_hashes);
    Py_XDECREF(self->keep);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static const char SpanChecker_doc[] =
    "SpanChecker(span_types, span_keys, string_attributes, intervals, interval_rules, relation_type,"
    " relation_keys, kinds, allowed, max_per_head, valid_ids)\n\n"
    "One entry per span type in span_keys, string_attributes (tuples of names), intervals (a"
    " callable or None) and interval_rules (None or (attributes type, (qualifier, value, minimum,"
    " maximum) names, qualifiers, bytes of 3 rules per qualifier, 2 shifts per qualifier));"
    " allowed: bytes, [kind][head type][tail type]; max_per_head: one int per kind, -1 for none."
    " Calling it with (text, spans, relations) returns what fast_path.SpanChecks returns.";

static int SpanChecker_init(SpanChecker *self, PyObject *args, PyObject *kwargs)
{
    PyObject *span_types, *span_keys, *strings, *intervals, *rules, *relation_type, *kinds, *allowed, *limits;
    PyObject *valid_ids;
    Py_ssize_t relation_keys;
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) > 0) {
        PyErr_SetString(PyExc_TypeError, "SpanChecker takes its tables by position");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!nO!SO!O!", &PyTuple_Type, &span_types, &PyTuple_Type, &span_keys,
                          &PyTuple_Type, &strings, &PyTuple_Type, &intervals, &PyTuple_Type, &rules,
                          &PyType_Type, &relation_type,
                          &relation_keys, &PyTuple_Type, &kinds, &allowed, &PyTuple_Type, &limits,
                          &PySet_Type, &valid_ids))
        return -1;
    if (self->types != NULL) {
        PyErr_SetString(PyExc_TypeError, "SpanChecker is initialised once");
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(span_types), k = PyTuple_GET_SIZE(kinds);
    if (PyTuple_GET_SIZE(span_keys) != n || PyTuple_GET_SIZE(strings) != n || PyTuple_GET_SIZE(intervals) != n
        || PyTuple_GET_SIZE(rules) != n || PyTuple_GET_SIZE(limits) != k
        || PyBytes_GET_SIZE(allowed) != k * n * n) {
        PyErr_SetString(PyExc_ValueError, "SpanChecker: the tables' sizes disagree");
        return -1;
    }
    self->keep = Py_BuildValue("(OOOOOOO)", span_types, strings, intervals, rules, relation_type, kinds,
                               valid_ids);
    self->types = PyMem_Calloc(n ? n : 1, sizeof(SpanType));
    Py_ssize_t cells = k * n * n;
    self->allowed = PyMem_Malloc(cells > 0 ? cells : 1);
    self->max_per_head = PyMem_Calloc(k ? k : 1, sizeof(Py_ssize_t));
    self->kind_hashes = PyMem_Calloc(k ? k : 1, sizeof(Py_hash_t));
    if (self->keep == NULL || self->types == NULL || self->allowed == NULL || self->max_per_head == NULL
        || self->kind_hashes == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->n_types = n;
    for (Py_ssize_t t = 0; t < n; t++) {
        SpanType *type = &self->types[t];
        PyObject *span_type = PyTuple_GET_ITEM(span_types, t), *interval = PyTuple_GET_ITEM(intervals, t);
        if (!PyType_Check(span_type) || !PyTuple_Check(PyTuple_GET_ITEM(strings, t))) {
            PyErr_SetString(PyExc_TypeError, "SpanChecker: span_types holds types, string_attributes tuples");
            return -1;
        }
        type->type = (PyTypeObject *)span_type;
        if (slot_offsets(type->type, span_fields, SPAN_FIELDS, type->offsets) < 0)
            return -1;
        type->keys = PyLong_AsSsize_t(PyTuple_GET_ITEM(span_keys, t));
        if (type->keys == -1 && PyErr_Occurred())
            return -1;
        type->strings = PyTuple_GET_ITEM(strings, t);
        type->interval = interval == Py_None ? NULL : interval;
        PyObject *spec = PyTuple_GET_ITEM(rules, t);
        if (spec != Py_None && (type->rules = interval_rules(spec)) == NULL)
            return -1;
    }
    self->relation_type = (PyTypeObject *)relation_type;
    if (slot_offsets(self->relation_type, relation_fields, RELATION_FIELDS, self->relation_offsets) < 0)
        return -1;
    self->relation_keys = relation_keys;
    memcpy(self->allowed, PyBytes_AS_STRING(allowed), cells);
    for (Py_ssize_t i = 0; i < k; i++) {
        self->max_per_head[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(limits, i));
        if (self->max_per_head[i] == -1 && PyErr_Occurred())
            return -1;
        if (!is_str(PyTuple_GET_ITEM(kinds, i))) {
            PyErr_SetString(PyExc_TypeError, "SpanChecker: relation kinds are str");
            return -1;
        }
        if ((self->kind_hashes[i] = PyObject_Hash(PyTuple_GET_ITEM(kinds, i))) == -1)
            return -1;
    }
    self->kinds = kinds;  /* set last, with valid_ids: a call checks them, so a failed init is never used */
    self->valid_ids = valid_ids;
    return 0;
}

static PyTypeObject SpanCheckerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "crocus_claims.validation._fast_path.SpanChecker",
    .tp_basicsize = sizeof(SpanChecker),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = SpanChecker_doc,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)SpanChecker_init,
    .tp_dealloc = (destructor)SpanChecker_dealloc,
    .tp_call = (ternaryfunc)SpanChecker_call,
};

static PyObject *count_colons(PyObject *module, PyObject *args)
{
    Py_buffer line;
    Py_ssize_t start, end;
    if (!PyArg_ParseTuple(args, "y*nn", &line, &start, &end))
        return NULL;
    if (start < 0 || end < 0) {
        PyBuffer_Release(&line);
        PyErr_SetString(PyExc_ValueError, "count_colons: start and end are offsets from the start (>= 0)");
        return NULL;
    }
    if (end > line.len)
        end = line.len;
    const unsigned char *bytes = line.buf;
    Py_ssize_t count = end > start ? count_colon_bytes(bytes + start, end - start) : 0;
    PyBuffer_Release(&line);
    return PyLong_FromSsize_t(count);
}

static PyMethodDef methods[] = {
    {"count_colons", count_colons, METH_VARARGS,
     "count_colons(line, start, end) -> int: line[start:end].count(b':'), for a bytes-like line."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_fast_path",
    .m_doc = "The fast path's span and relation checks, compiled (validation/fast_path.py, SpanChecks).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__fast_path(void)
{
    if (PyType_Ready(&SpanCheckerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&SpanCheckerType);
    if (PyModule_AddObject(m, "SpanChecker", (PyObject *)&SpanCheckerType) < 0
        || PyModule_AddIntConstant(m, "NOT_CLEAN", NOT_CLEAN) < 0
        || PyModule_AddIntConstant(m, "UNKNOWN_ID", UNKNOWN_ID) < 0
        || PyModule_AddIntConstant(m, "TOO_MANY", TOO_MANY) < 0
        || PyModule_AddIntConstant(m, "ABI", ABI) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

/* JSON documents as a small tree, parsed with libyaml; see jtree.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "json_writer.h"
#include "jtree.h"

void jnode_free(struct jnode *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n_kids; i++)
		jnode_free(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->text);
	free(n);
}

static int add_kid(struct jnode *p, struct jnode *k)
{
	struct jnode **nk = realloc(p->kids, (p->n_kids + 1) * sizeof(*nk));

	if (!nk)
		return -ENOMEM;
	p->kids = nk;
	p->kids[p->n_kids++] = k;
	return 0;
}

static struct jnode *convert(yaml_document_t *doc, yaml_node_t *yn, int depth)
{
	struct jnode *n;

	if (!yn || depth > 64)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n->type = JNODE_SCALAR;
		n->text = strndup((const char *)yn->data.scalar.value,
				  yn->data.scalar.length);
		n->quoted = yn->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		if (!n->text)
			goto out_free;
		return n;
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;

		n->type = JNODE_ARRAY;
		for (it = yn->data.sequence.items.start;
		     it < yn->data.sequence.items.top; it++) {
			struct jnode *k = convert(doc,
				yaml_document_get_node(doc, *it), depth + 1);

			if (!k || add_kid(n, k)) {
				jnode_free(k);
				goto out_free;
			}
		}
		return n;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *p;

		n->type = JNODE_OBJECT;
		for (p = yn->data.mapping.pairs.start;
		     p < yn->data.mapping.pairs.top; p++) {
			yaml_node_t *kn = yaml_document_get_node(doc, p->key);
			struct jnode *k;

			if (!kn || kn->type != YAML_SCALAR_NODE)
				goto out_free;
			k = convert(doc, yaml_document_get_node(doc, p->value),
				    depth + 1);
			if (!k)
				goto out_free;
			k->key = strdup((const char *)kn->data.scalar.value);
			if (!k->key || add_kid(n, k)) {
				jnode_free(k);
				goto out_free;
			}
		}
		return n;
	}
	default:
		break;
	}
out_free:
	jnode_free(n);
	return NULL;
}

struct jnode *jnode_parse(const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct jnode *n = NULL;

	if (!yaml_parser_initialize(&parser)) {
		errno = ENOMEM;
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (yaml_parser_load(&parser, &doc)) {
		n = convert(&doc, yaml_document_get_root_node(&doc), 0);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (!n)
		errno = EINVAL;
	return n;
}

const struct jnode *jnode_get(const struct jnode *n, const char *key)
{
	size_t i;

	if (!n || n->type != JNODE_OBJECT)
		return NULL;
	for (i = 0; i < n->n_kids; i++)
		if (!strcmp(n->kids[i]->key, key))
			return n->kids[i];
	return NULL;
}

const char *jnode_str(const struct jnode *n, const char *key)
{
	const struct jnode *k = jnode_get(n, key);

	return k && k->type == JNODE_SCALAR ? k->text : NULL;
}

bool jnode_s64(const struct jnode *n, const char *key, int64_t *v)
{
	const char *s = jnode_str(n, key);
	char *end;

	if (!s || !*s)
		return false;
	*v = strtoll(s, &end, 10);
	return !*end;
}

bool jnode_u64(const struct jnode *n, const char *key, uint64_t *v)
{
	const char *s = jnode_str(n, key);
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	*v = strtoull(s, &end, 10);
	return !*end;
}

void jnode_write(const struct jnode *n, struct json_writer *w)
{
	size_t i;

	switch (n->type) {
	case JNODE_SCALAR:
		if (n->quoted)
			jsonw_string(w, n->text);
		else if (!strcmp(n->text, "~") || !*n->text)
			jsonw_null(w);
		else
			jsonw_raw(w, n->text);
		break;
	case JNODE_ARRAY:
		jsonw_start_array(w);
		for (i = 0; i < n->n_kids; i++)
			jnode_write(n->kids[i], w);
		jsonw_end_array(w);
		break;
	case JNODE_OBJECT:
		jsonw_start_object(w);
		for (i = 0; i < n->n_kids; i++) {
			jsonw_name(w, n->kids[i]->key);
			jnode_write(n->kids[i], w);
		}
		jsonw_end_object(w);
		break;
	}
}

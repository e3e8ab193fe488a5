"""XMP packets as XML: parsed by defusedxml (minidom), edited as a DOM, written by the stdlib's XMLGenerator."""

from __future__ import annotations

import io
from xml.dom import Node
from xml.parsers.expat import ExpatError
from xml.sax.saxutils import XMLGenerator

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.minidom import parseString

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XMLNS = "http://www.w3.org/2000/xmlns/"
META = ("adobe:ns:meta/", "adobe:ns:meta")  # x:xmpmeta (and old x:xapmeta) wrap rdf:RDF
MAX_BYTES = 32 * 1024 * 1024  # the largest sidecars (long darktable histories) are a few megabytes
MAX_DEPTH = 100  # real XMP nests about ten levels; deeper is hostile and would exhaust recursion
ARRAYS = ("Bag", "Seq", "Alt")
NEW_PACKET = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
              '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Photo Tagger">\n'
              ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
              '  <rdf:Description rdf:about=""/>\n'
              ' </rdf:RDF>\n'
              '</x:xmpmeta>\n'
              '<?xpacket end="w"?>\n').encode("utf-8")


class XmpError(ValueError):
    """XMP that is refused or cannot be read; the message is one line, fit to show a user."""


def parse(data: bytes) -> XmpPacket:
    """A packet from XML bytes. A DTD (the way to XML bombs and external entities, and never needed by XMP),
    malformed XML, anything but XMP, or something far too large or deep is refused with an XmpError."""
    if len(data) > MAX_BYTES:
        raise XmpError(f"it is larger than {MAX_BYTES // (1024 * 1024)} MiB, far more than any real XMP; refused")
    try:
        document = parseString(_unpadded(data), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise XmpError("it declares a DTD or entities, which XMP never uses (a possible XML bomb or external "
                       "entity); refused") from None
    except DefusedXmlException as exc:
        raise XmpError(f"refused as unsafe XML ({type(exc).__name__})") from None
    except ExpatError as exc:
        raise XmpError(f"it is not well-formed XML ({exc})") from None
    except (ValueError, UnicodeError) as exc:
        raise XmpError(f"it is not readable XML ({exc})") from None
    depth = _depth(document)
    if depth > MAX_DEPTH:
        raise XmpError(f"its XML nests {depth} levels deep, far more than any real XMP; refused")
    return XmpPacket(document)


def _unpadded(data: bytes) -> bytes:
    """Without the padding packets in photos often end with (NULs, spaces): the parser refuses a NUL. Only for
    UTF-8; a UTF-16 or UTF-32 packet (a NUL among its first bytes) is left whole, cutting bytes would break it."""
    return data if b"\x00" in data[:4] else data.rstrip(b"\x00 \t\r\n")


def _depth(document) -> int:
    deepest, stack = 0, [(document.documentElement, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in node.childNodes if child.nodeType == Node.ELEMENT_NODE)
    return deepest


def _elements(node, namespace: str | None = None, name: str | None = None):
    return [c for c in node.childNodes if c.nodeType == Node.ELEMENT_NODE
            and (namespace is None or c.namespaceURI == namespace) and (name is None or c.localName == name)]


def _text(node) -> str:
    return "".join(c.data for c in node.childNodes if c.nodeType in (Node.TEXT_NODE, Node.CDATA_SECTION_NODE))


def _item_value(item) -> str:
    """An array item's text; a qualified item (rdf:value inside a resource) gives its rdf:value."""
    for holder in [item, *_elements(item, RDF, "Description")]:
        values = _elements(holder, RDF, "value")
        if values:
            return _text(values[0])
        if holder.hasAttributeNS(RDF, "value"):
            return holder.getAttributeNS(RDF, "value")
    return _text(item)


def _property_values(element) -> list[str]:
    """An rdf:Bag, rdf:Seq or rdf:Alt's items; a plain text value where an array belongs is one item."""
    arrays = [a for a in _elements(element, RDF) if a.localName in ARRAYS]
    if arrays:
        return [_item_value(item) for array in arrays for item in _elements(array, RDF, "li")]
    if _elements(element) or element.hasAttributeNS(RDF, "resource"):
        return []  # a structure or a link, not a list of words
    return [_text(element)]


class XmpPacket:
    """One XMP packet: top-level properties of its rdf:Description blocks read and replaced, all else kept."""

    def __init__(self, document):
        self.document = document
        root = document.documentElement
        if root.namespaceURI == RDF and root.localName == "RDF":
            self.rdf = root
        elif root.namespaceURI in META:
            rdf = _elements(root, RDF, "RDF")
            if not rdf:
                raise XmpError(f"its <{root.tagName}> holds no rdf:RDF, so it is not XMP")
            self.rdf = rdf[0]
        else:
            raise XmpError(f"it is XML but not XMP (its root element is <{root.tagName}>)")

    def descriptions(self) -> list:
        return _elements(self.rdf, RDF, "Description")

    def has(self, namespace: str, name: str) -> bool:
        return any(d.hasAttributeNS(namespace, name) or _elements(d, namespace, name) for d in self.descriptions())

    def values(self, namespace: str, name: str) -> tuple[str, ...]:
        """The items of a top-level property wherever it is (attribute or element, any description block),
        in document order, blank ones left out."""
        found: list[str] = []
        for description in self.descriptions():
            if description.hasAttributeNS(namespace, name):
                found.append(description.getAttributeNS(namespace, name))
            for element in _elements(description, namespace, name):
                found += _property_values(element)
        return tuple(v for v in found if v.strip())

    def set_array(self, namespace: str, prefix: str, name: str, kind: str, values: tuple[str, ...]) -> None:
        """Make a top-level property an rdf:<kind> of `values`, where it was (or in the first description that
        already uses its namespace), or remove it when `values` is empty. Nothing else changes."""
        for value in values:
            _check_text(value)
        elements = [(d, e) for d in self.descriptions() for e in _elements(d, namespace, name)]
        attributes = [d for d in self.descriptions() if d.hasAttributeNS(namespace, name)]
        if values:
            where = elements[0][0] if elements else attributes[0] if attributes else self._description_for(namespace)
            new = self._array_element(where, namespace, prefix, name, kind, values,
                                      elements[0][1] if elements else None)
            if elements:
                where.replaceChild(new, elements[0][1])
                elements = elements[1:]
            else:
                _append(where, new)
        for description, element in elements:
            _remove(description, element)
        for description in attributes:
            description.removeAttributeNS(namespace, name)

    def forget_namespace(self, namespace: str) -> None:
        """Drop the declarations of a namespace that no property of the packet uses any more."""
        if self._uses(namespace):
            return
        for node in [self.rdf, *self.descriptions()]:
            for attribute in list(node.attributes.values()):
                if attribute.namespaceURI == XMLNS and attribute.value == namespace:
                    node.removeAttributeNode(attribute)

    def _uses(self, namespace: str) -> bool:
        return any(d.getElementsByTagNameNS(namespace, "*") or
                   any(a.namespaceURI == namespace for a in d.attributes.values()) for d in self.descriptions())

    def _description_for(self, namespace: str):
        descriptions = self.descriptions()
        for description in descriptions:
            if any(a.namespaceURI == namespace for a in description.attributes.values()) or \
                    _elements(description, namespace):
                return description
        if descriptions:
            return descriptions[0]
        description = self.document.createElementNS(RDF, f"{self._prefix(self.rdf, RDF, 'rdf')}:Description")
        description.setAttributeNS(RDF, f"{self._prefix(self.rdf, RDF, 'rdf')}:about", "")
        _append(self.rdf, description)
        return description

    def _prefix(self, element, namespace: str, preferred: str) -> str:
        """The prefix bound to `namespace` where `element` is, declaring `preferred` (or a free variant of it)
        on `element` when none is."""
        scope: dict[str, str] = {}
        chain, node = [], element
        while node is not None and node.nodeType == Node.ELEMENT_NODE:
            chain.append(node)
            node = node.parentNode
        for node in reversed(chain):  # outermost first: inner declarations override
            for attribute in node.attributes.values():
                if attribute.namespaceURI == XMLNS and attribute.prefix == "xmlns":
                    scope[attribute.localName] = attribute.value
        bound = [p for p, uri in scope.items() if uri == namespace]
        if preferred in bound:
            return preferred
        if bound:
            return bound[0]
        prefix, n = preferred, 1
        while prefix in scope:  # the preferred prefix names another namespace here
            prefix, n = f"{preferred}{n}", n + 1
        element.setAttributeNS(XMLNS, f"xmlns:{prefix}", namespace)
        return prefix

    def _array_element(self, description, namespace, prefix, name, kind, values, replaced):
        doc = self.document
        prefix = self._prefix(description, namespace, prefix)
        rdf = self._prefix(description, RDF, "rdf")
        indent = _indent_before(replaced) if replaced is not None else _child_indent(description)
        step = _step(description, indent)
        element = doc.createElementNS(namespace, f"{prefix}:{name}")
        array = doc.createElementNS(RDF, f"{rdf}:{kind}")
        element.appendChild(doc.createTextNode("\n" + indent + step))
        element.appendChild(array)
        element.appendChild(doc.createTextNode("\n" + indent))
        for value in values:
            array.appendChild(doc.createTextNode("\n" + indent + step * 2))
            item = doc.createElementNS(RDF, f"{rdf}:li")
            item.appendChild(doc.createTextNode(value))
            array.appendChild(item)
        array.appendChild(doc.createTextNode("\n" + indent + step))
        return element

    def to_bytes(self) -> bytes:
        """UTF-8 XML: the XML declaration if the packet had one, the xpacket wrapper and comments around the
        root as they were; prefixes, declarations and attributes of every element as they were."""
        out = io.StringIO()
        writer = XMLGenerator(out, encoding="utf-8", short_empty_elements=True)
        if self.document.version:
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        for node in self.document.childNodes:
            _write(writer, node)
            out.write("\n")
        return out.getvalue().encode("utf-8")


def _write(writer: XMLGenerator, node) -> None:
    """XMLGenerator escapes text and attributes (newlines in attributes too, which minidom's own writer
    leaves raw before Python 3.13); the element and attribute names are written with their own prefixes."""
    kind = node.nodeType
    if kind == Node.ELEMENT_NODE:
        writer.startElement(node.tagName, {a.name: a.value for a in sorted(node.attributes.values(), key=_order)})
        for child in node.childNodes:
            _write(writer, child)
        writer.endElement(node.tagName)
    elif kind in (Node.TEXT_NODE, Node.CDATA_SECTION_NODE):
        writer.characters(node.data)
    elif kind == Node.PROCESSING_INSTRUCTION_NODE:
        writer.processingInstruction(node.target, node.data)
    elif kind == Node.COMMENT_NODE:  # XMLGenerator has no comment(); this writes its text as it is
        writer.ignorableWhitespace(f"<!--{node.data}-->")


def _order(attribute) -> int:
    """rdf:about first, then namespace declarations, then the rest as they were (sorted() keeps their order):
    the order Adobe's toolkit, exiv2 and ExifTool write (the parser puts every declaration first)."""
    return 0 if attribute.namespaceURI == RDF else 1 if attribute.namespaceURI == XMLNS else 2


def _check_text(value: str) -> None:
    bad = [c for c in value if (ord(c) < 0x20 and c not in "\t\n\r") or 0xD800 <= ord(c) <= 0xDFFF
           or ord(c) in (0xFFFE, 0xFFFF)]
    if bad:
        raise XmpError(f"the keyword {value!r} holds a character XML cannot carry ({bad[0]!r})")


def _indent_before(node) -> str:
    previous = node.previousSibling
    if previous is not None and previous.nodeType == Node.TEXT_NODE and not previous.data.strip():
        return previous.data.rsplit("\n", 1)[-1]
    return ""


def _child_indent(description) -> str:
    children = _elements(description)
    if children:
        return _indent_before(children[0])
    return _indent_before(description) + " "


def _step(description, child_indent: str) -> str:
    outer = _indent_before(description)
    if child_indent.startswith(outer) and len(child_indent) > len(outer):
        return child_indent[len(outer):]
    return " "


def _append(parent, element) -> None:
    """Append after the last child element, keeping the whitespace before the parent's closing tag."""
    indent = _child_indent(parent)
    trailing = parent.lastChild
    doc = parent.ownerDocument
    if trailing is not None and trailing.nodeType == Node.TEXT_NODE and not trailing.data.strip():
        parent.insertBefore(doc.createTextNode("\n" + indent), trailing)
        parent.insertBefore(element, trailing)
    else:
        parent.appendChild(doc.createTextNode("\n" + indent))
        parent.appendChild(element)
        parent.appendChild(doc.createTextNode("\n" + _indent_before(parent)))


def _remove(parent, element) -> None:
    previous = element.previousSibling
    if previous is not None and previous.nodeType == Node.TEXT_NODE and not previous.data.strip():
        parent.removeChild(previous)
    parent.removeChild(element)


def new_packet() -> XmpPacket:
    return parse(NEW_PACKET)

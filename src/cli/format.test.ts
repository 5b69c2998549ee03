import { describe, expect, test } from "bun:test";
import { enforceRange, formatInspect, formatList, isJsonFormat, normalizeFormat, renderJson, renderTable, splitCamelCase } from "./format.ts";
import { tabwrite } from "../lib/template/tabwriter.ts";

// Expected outputs recorded from Podman 4.3.1 `volume ls` with one volume.
const vol = {
  Name: "skifftestvol",
  Driver: "local",
  Mountpoint: "/var/lib/containers/storage/volumes/skifftestvol/_data",
  Labels: {},
  Options: {},
};
const volOpts = { defaultFormat: "table {{.Driver}}\t{{.Name}}", headers: { Name: "VOLUME NAME" }, name: "ls" };

describe("formatList renders like Podman's report package", () => {
  test("default table: headers and tabwriter alignment", () => {
    expect(formatList([vol], volOpts)).toBe("DRIVER      VOLUME NAME\nlocal       skifftestvol\n");
  });
  test("user table format: spaces are column breaks", () => {
    expect(formatList([vol], { ...volOpts, format: "table {{.Name}} {{.Driver}} {{.Mountpoint}}" })).toBe(
      "VOLUME NAME   DRIVER      MOUNTPOINT\nskifftestvol  local       /var/lib/containers/storage/volumes/skifftestvol/_data\n",
    );
  });
  test("plain format: typed \\t becomes a tab, no header, no alignment", () => {
    expect(formatList([vol], { ...volOpts, format: "{{.Name}}\\t{{.Driver}}" })).toBe("skifftestvol\tlocal\n");
  });
  test("--noheading drops the header row", () => {
    expect(formatList([vol], { ...volOpts, noHeading: true })).toBe("local       skifftestvol\n");
  });
  test("maps print as Go maps; missing keys as <no value>", () => {
    expect(formatList([vol], { ...volOpts, format: "{{.Labels}}|{{.Labels.x}}" })).toBe("map[]|<no value>\n");
  });
  test("unknown field on a struct item is Podman's error, positions counted in the wrapped template", () => {
    expect(() =>
      formatList([{ ...vol }], { ...volOpts, typeName: "*entities.VolumeListReport", format: "{{.Labels}}|{{.Labels.x}}|{{.Options}}|{{.Foo}}" }),
    ).toThrow('template: ls:1:52: executing "ls" at <.Foo>: can\'t evaluate field Foo in type *entities.VolumeListReport');
  });
  test("an empty list still prints the header of a table", () => {
    expect(formatList([], { defaultFormat: "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}", headers: { ID: "IMAGE ID" } })).toBe(
      "REPOSITORY  TAG         IMAGE ID    CREATED     SIZE\n",
    );
  });
  test("json format prints the array", () => {
    expect(formatList([{ A: "<b>" }], { ...volOpts, format: "json" })).toBe('[\n    {\n        "A": "\\u003cb\\u003e"\n    }\n]\n');
    expect(formatList([], { ...volOpts, format: "{{ json . }}" })).toBe("[]\n");
  });
  test("a format with its own range gets the whole list", () => {
    expect(formatList([{ N: 1 }, { N: 2 }], { ...volOpts, format: "{{range .}}{{.N}},{{end}}" })).toBe("1,2,\n");
  });
  test("headers split CamelCase and honour overrides", () => {
    expect(formatList([], { defaultFormat: "table {{.CreatedAt}}\t{{.ID}}\t{{.ReadOnly}}", headers: { ReadOnly: "r/o" } })).toBe(
      "CREATED AT  ID          R/O\n",
    );
  });
});

describe("formatInspect", () => {
  test("JSON array with Podman's 5-space indent, unescaped", () => {
    expect(formatInspect([{ Name: "a<b", Labels: {}, L: [1] }])).toBe(
      '[\n     {\n          "Name": "a<b",\n          "Labels": {},\n          "L": [\n               1\n          ]\n     }\n]\n',
    );
  });
  test("a template renders once per item", () => {
    expect(formatInspect([{ Id: "x" }, { Id: "y" }], "{{.Id}}")).toBe("x\ny\n");
    expect(formatInspect([{ Id: "x" }], "{{json .}}")).toBe('[\n     {\n          "Id": "x"\n     }\n]\n');
  });
});

describe("helpers", () => {
  test("normalizeFormat and enforceRange as containers/common", () => {
    expect(normalizeFormat("{{.ID}}\t{{.ID}}")).toBe("{{.ID}}\t{{.ID}}\n");
    expect(normalizeFormat("{{.ID}}\\t{{.ID}}")).toBe("{{.ID}}\t{{.ID}}\n");
    expect(normalizeFormat("{{.ID}} {{.ID}}")).toBe("{{.ID}} {{.ID}}\n");
    expect(normalizeFormat("table {{.ID}}\\t{{.ID}}")).toBe("{{.ID}}\t{{.ID}}\n");
    expect(normalizeFormat("table {{.ID}} {{.ID}}")).toBe("{{.ID}}\t{{.ID}}\n");
    expect(enforceRange("foobar was here")).toBe("{{range .}}foobar was here{{end -}}");
    expect(enforceRange("{{range .}}x{{end}}")).toBe("{{range .}}x{{end}}");
    // A range over a field of each item is per-item text, not a range over the list.
    expect(enforceRange("{{range .Config.Env}}{{println .}}{{end}}")).toBe("{{range .}}{{range .Config.Env}}{{println .}}{{end}}{{end -}}");
    expect(formatInspect([{ Config: { Env: ["FOO=bar", "EMPTY="] } }], "{{range .Config.Env}}{{println .}}{{end}}")).toBe("FOO=bar\nEMPTY=\n\n");
  });
  test("isJsonFormat", () => {
    expect(isJsonFormat("json")).toBe(true);
    expect(isJsonFormat("{{json .}}")).toBe(true);
    expect(isJsonFormat("{{json .ID}}")).toBe(false);
    expect(isJsonFormat(undefined)).toBe(false);
  });
  test("splitCamelCase as fatih/camelcase", () => {
    expect(splitCamelCase("CreatedAt")).toEqual(["Created", "At"]);
    expect(splitCamelCase("ID")).toEqual(["ID"]);
    expect(splitCamelCase("HTTPServer")).toEqual(["HTTP", "Server"]);
    expect(splitCamelCase("FieldA")).toEqual(["Field", "A"]);
    expect(splitCamelCase("Fieldb")).toEqual(["Fieldb"]);
    expect(splitCamelCase("IPv6")).toEqual(["I", "Pv", "6"]);
  });
  test("renderTable and renderJson", () => {
    expect(renderTable([["a", "b"]], ["NETWORK ID", "NAME"])).toBe("NETWORK ID  NAME\na           b\n");
    expect(renderJson({ a: 1 }, { indent: "  " })).toBe('{\n  "a": 1\n}');
  });
  test("tabwriter: column blocks end at lines with fewer cells; last cell unpadded", () => {
    expect(tabwrite("a\tb\tc\nlonger-cell-here\tx\nno tabs\nq\tr\n")).toBe(
      "a                 b           c\nlonger-cell-here  x\nno tabs\nq           r\n",
    );
  });
});

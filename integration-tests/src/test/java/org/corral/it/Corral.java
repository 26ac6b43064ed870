package org.corral.it;


import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Calls to corral through busctl and parsing of busctl's answers, used by many tests. */
public final class Corral {
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final Cli cli;

    public Corral(Cli cli) {
        this.cli = cli;
    }

    public Cli cli() {
        return cli;
    }

    /** Manager.DefineXML through busctl; returns the object path. */
    public String define(String xml) {
        Cli.Result r = cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "DefineXML", "s", xml)
                .assertSuccess();
        return objectPath(r.stdout());
    }

    /** Manager.ListContainers through busctl, as printed (e.g. {@code a(ssso) 0}). */
    public String list() {
        return cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "ListContainers")
                .assertSuccess().stdout().trim();
    }

    /** Container.GetXML through busctl, unescaped. */
    public String getXml(String path, int flags) {
        Cli.Result r = cli.busctlCall(path, Install.CONTAINER_IFACE, "GetXML", "u", Integer.toString(flags))
                .assertSuccess();
        return Cli.unescape(r.stdout());
    }

    /** busctl get-property of the Container interface, as printed (e.g. {@code s "vm1"}). */
    public String property(String path, String name) {
        return cli.busctl("get-property", Install.BUS_NAME, path, Install.CONTAINER_IFACE, name)
                .assertSuccess().stdout().trim();
    }

    /** The UUID property of a container. */
    public String uuid(String path) {
        String printed = property(path, "UUID");
        Matcher m = UUID.matcher(printed);
        if (!m.find()) {
            throw new AssertionError("UUID property is no lower-case uuid: " + printed);
        }
        return m.group();
    }

    /** Whether the service still answers ListContainers. */
    public boolean answers() {
        return cli.busctlCall(Install.MANAGER_PATH, Install.MANAGER_IFACE, "ListContainers").ok();
    }

    /** The path in busctl's {@code o "/path"} answer. */
    public static String objectPath(String busctlOutput) {
        Matcher m = Pattern.compile("^o \"([^\"]*)\"").matcher(busctlOutput.trim());
        if (!m.find()) {
            throw new AssertionError("no object path in busctl answer: " + busctlOutput);
        }
        return m.group(1);
    }

    /** The expected ListContainers entry for a shut-off container, as busctl prints it. */
    public static String listEntry(String name, String uuid) {
        return "\"" + name + "\" \"" + uuid + "\" \"shutoff\" \"" + Domains.path(name) + "\"";
    }
}

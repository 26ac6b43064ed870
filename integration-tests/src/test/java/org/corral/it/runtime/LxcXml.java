package org.corral.it.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Domain XML for runtime tests, built element by element. */
public final class LxcXml {
    private final String name;
    private String root;
    private String init = "/init.sh";
    private final List<String> initargs = new ArrayList<>();
    private final List<String[]> initenv = new ArrayList<>();
    private String initdir;
    private String cmdline;
    private String memory = "<memory unit='MiB'>64</memory>";
    private final List<String> features = new ArrayList<>();
    private final List<String> devices = new ArrayList<>();
    private String cputune = "";
    private String onPoweroff;
    private String onReboot;
    private String onCrash;
    private int consoles = 1;
    private String idmap = "";

    private LxcXml(String name) {
        this.name = name;
    }

    public static LxcXml named(String name) {
        return new LxcXml(name);
    }

    public String name() {
        return name;
    }

    /** A private root (a {@code <filesystem type='mount'>} with target /). */
    public LxcXml root(Path dir) {
        this.root = dir.toString();
        return this;
    }

    public LxcXml root(BusyboxRoot r) {
        return root(r.path());
    }

    public LxcXml init(String path, String... args) {
        this.init = path;
        initargs.clear();
        initargs.addAll(List.of(args));
        return this;
    }

    public LxcXml initdir(String dir) {
        this.initdir = dir;
        return this;
    }

    public LxcXml initenv(String key, String value) {
        initenv.add(new String[] {key, value});
        return this;
    }

    public LxcXml cmdline(String text) {
        this.cmdline = text;
        return this;
    }

    public LxcXml memoryMiB(long mib) {
        this.memory = "<memory unit='MiB'>" + mib + "</memory>";
        return this;
    }

    public LxcXml feature(String xml) {
        features.add(xml);
        return this;
    }

    public LxcXml device(String xml) {
        devices.add(xml);
        return this;
    }

    /** A bind of host directory {@code hostDir} at {@code target}. */
    public LxcXml bind(Path hostDir, String target, boolean readonly) {
        return device("<filesystem type='mount'><source dir='" + esc(hostDir.toString()) + "'/><target dir='" + esc(target) + "'/>"
                + (readonly ? "<readonly/>" : "") + "</filesystem>");
    }

    public LxcXml ram(String target, long kib) {
        return device("<filesystem type='ram'><source usage='" + kib + "' units='KiB'/><target dir='" + esc(target) + "'/></filesystem>");
    }

    public LxcXml cputune(String inner) {
        this.cputune = "<cputune>" + inner + "</cputune>";
        return this;
    }

    public LxcXml onPoweroff(String action) {
        this.onPoweroff = action;
        return this;
    }

    public LxcXml onReboot(String action) {
        this.onReboot = action;
        return this;
    }

    public LxcXml onCrash(String action) {
        this.onCrash = action;
        return this;
    }

    /** {@code <idmap>} with these {@code <uid .../>} and {@code <gid .../>} entries. */
    public LxcXml idmap(String entries) {
        this.idmap = "<idmap>" + entries + "</idmap>";
        return this;
    }

    public LxcXml consoles(int n) {
        this.consoles = n;
        return this;
    }

    public String xml() {
        StringBuilder b = new StringBuilder("<domain type='lxc'>");
        b.append("<name>").append(esc(name)).append("</name>").append(memory);
        b.append("<os><type>exe</type><init>").append(esc(init)).append("</init>");
        for (String a : initargs) {
            b.append("<initarg>").append(esc(a)).append("</initarg>");
        }
        for (String[] e : initenv) {
            b.append("<initenv name='").append(esc(e[0])).append("'>").append(esc(e[1])).append("</initenv>");
        }
        if (initdir != null) {
            b.append("<initdir>").append(esc(initdir)).append("</initdir>");
        }
        if (cmdline != null) {
            b.append("<cmdline>").append(esc(cmdline)).append("</cmdline>");
        }
        b.append("</os>");
        b.append(idmap);
        if (!features.isEmpty()) {
            b.append("<features>").append(String.join("", features)).append("</features>");
        }
        b.append(cputune);
        if (onPoweroff != null) {
            b.append("<on_poweroff>").append(onPoweroff).append("</on_poweroff>");
        }
        if (onReboot != null) {
            b.append("<on_reboot>").append(onReboot).append("</on_reboot>");
        }
        if (onCrash != null) {
            b.append("<on_crash>").append(onCrash).append("</on_crash>");
        }
        b.append("<devices>");
        if (root != null) {
            b.append("<filesystem type='mount'><source dir='").append(esc(root)).append("'/><target dir='/'/></filesystem>");
        }
        devices.forEach(b::append);
        for (int i = 0; i < consoles; i++) {
            b.append("<console type='pty'/>");
        }
        b.append("</devices></domain>");
        return b.toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;");
    }
}

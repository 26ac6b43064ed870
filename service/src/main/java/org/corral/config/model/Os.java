package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlElement;
import jakarta.xml.bind.annotation.XmlType;
import java.util.ArrayList;
import java.util.List;

/** {@code <os>} of a container: the init program, its arguments, environment, cwd and user. */
@XmlType(propOrder = {"type", "init", "initargs", "initenvs", "initdir", "inituser", "initgroup", "cmdline", "extra"})
public class Os extends Extensible {

    private OsType type;
    private String init;
    @XmlElement(name = "initarg")
    private List<String> initargs;
    @XmlElement(name = "initenv")
    private List<Initenv> initenvs;
    private String initdir;
    private String inituser;
    private String initgroup;
    /** Legacy; only exported to init as LIBVIRT_LXC_CMDLINE. */
    private String cmdline;

    public OsType getType() { return type; }
    public void setType(OsType type) { this.type = type; }
    public String getInit() { return init; }
    public void setInit(String init) { this.init = init; }

    public List<String> getInitargs() {
        if (initargs == null) {
            initargs = new ArrayList<>();
        }
        return initargs;
    }

    public List<Initenv> getInitenvs() {
        if (initenvs == null) {
            initenvs = new ArrayList<>();
        }
        return initenvs;
    }

    public String getInitdir() { return initdir; }
    public void setInitdir(String initdir) { this.initdir = initdir; }
    public String getInituser() { return inituser; }
    public void setInituser(String inituser) { this.inituser = inituser; }
    public String getInitgroup() { return initgroup; }
    public void setInitgroup(String initgroup) { this.initgroup = initgroup; }
    public String getCmdline() { return cmdline; }
    public void setCmdline(String cmdline) { this.cmdline = cmdline; }
}

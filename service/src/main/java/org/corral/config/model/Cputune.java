package org.corral.config.model;

import jakarta.xml.bind.annotation.XmlType;

/** {@code <cputune>}: the children the LXC driver applies (shares, period, quota). */
@XmlType(propOrder = {"shares", "period", "quota", "extra"})
public class Cputune extends Extensible {

    private String shares;
    private String period;
    private String quota;

    public Long getShares() { return BlkioDevice.toLong(shares); }
    public Long getPeriod() { return BlkioDevice.toLong(period); }
    public Long getQuota() { return BlkioDevice.toLong(quota); }
    public String getSharesText() { return shares; }
    public String getPeriodText() { return period; }
    public String getQuotaText() { return quota; }
    public void setShares(Long v) { this.shares = v == null ? null : v.toString(); }
    public void setPeriod(Long v) { this.period = v == null ? null : v.toString(); }
    public void setQuota(Long v) { this.quota = v == null ? null : v.toString(); }
}
